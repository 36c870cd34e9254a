/**
 * Polite announcements for screen readers: a component calls `announce(text)` when something changed
 * that a person not looking at the screen should hear (a new notification, a deployment's new state).
 * The one `<NeoLiveAnnouncer>` of the page speaks it, coalesced: at most one announcement per
 * interval (5 s by default), always the latest text, so a burst of events never floods the reader.
 *
 * Not Nuxt's own `useAnnouncer()`/`<NuxtAnnouncer>`: that one speaks every message as it comes, and a
 * live feed needs them coalesced; the distinct name keeps Nuxt's auto-import from shadowing this one.
 */
export function usePoliteAnnouncer() {
  const message = useState<string>('neo-announcement', () => '');
  function announce(text: string): void {
    message.value = text;
  }
  return { message: readonly(message), announce };
}
