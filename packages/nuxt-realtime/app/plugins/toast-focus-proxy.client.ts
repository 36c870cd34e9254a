/**
 * Works around reka-ui's toast focus proxies (reka-ui 2.9, used by Nuxt UI's toaster): while a toast is
 * shown, the viewport gets two tabbable sentinels that are also `aria-hidden="true"`, the WCAG failure axe
 * calls `aria-hidden-focus` (a keyboard user lands on something a screen reader says nothing about).
 * Upstream: https://github.com/unovue/reka-ui/issues/2776, fix proposed in unovue/reka-ui#2810 (open) —
 * which does exactly this: drop `aria-hidden` and keep the sentinel, whose focus moves into the toasts at
 * once. Own code because no released version has the fix; remove this plugin once reka-ui ships it.
 */
const PROXIES = '[role="region"]:has([data-slot="viewport"]) > span[aria-hidden="true"][tabindex="0"]';

export default defineNuxtPlugin(() => {
  const fix = () => {
    for (const proxy of document.querySelectorAll(PROXIES)) proxy.removeAttribute('aria-hidden');
  };
  // The proxies come and go with the toasts: look again whenever the page's nodes change (a cheap query).
  new MutationObserver(fix).observe(document.body, { childList: true, subtree: true });
  fix();
});
