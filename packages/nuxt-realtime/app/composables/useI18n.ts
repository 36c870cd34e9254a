import { shallowReactive } from 'vue';
import esMX, { type MessageKey, type Messages } from '../i18n/es-MX';

/**
 * A deliberately tiny i18n: two flat dictionaries, a locale cookie and `Intl` for dates. Named
 * `useT` so that it never clashes with `useI18n` of @nuxtjs/i18n should a portal add it later.
 */

export const LOCALES = ['es-MX', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'es-MX';

/**
 * The default dictionary ships with the app; the others load when chosen (first-load JavaScript is a
 * budget: B5). Until one arrives, its texts are the default's.
 */
const DICTIONARIES = shallowReactive<Partial<Record<Locale, Messages>>>({ 'es-MX': esMX });
const LOADERS: Record<Exclude<Locale, 'es-MX'>, () => Promise<{ default: Messages }>> = { en: () => import('../i18n/en') };

function ensureDictionary(locale: Locale): void {
  if (DICTIONARIES[locale] || locale === 'es-MX') return;
  void LOADERS[locale]().then((module) => {
    DICTIONARIES[locale] = module.default;
  });
}
/** One year, in seconds: the choice should outlive the session. */
const LOCALE_COOKIE_MAX_AGE = 60 * 60 * 24 * 365;

export type MessageParams = Record<string, string | number>;

function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

// `Intl.DateTimeFormat` is costly to build and a list formats many rows: one per locale.
const dateTimeFormats = new Map<Locale, Intl.DateTimeFormat>();

export function useT() {
  const cookie = useCookie<string | null>('neo-locale', {
    default: () => DEFAULT_LOCALE,
    maxAge: LOCALE_COOKIE_MAX_AGE,
    sameSite: 'lax',
  });
  // Shared state, so that every component re-renders when one of them switches; the cookie may hold
  // anything a user typed, hence the check.
  const locale = useState<Locale>('neo-locale', () => (isLocale(cookie.value) ? cookie.value : DEFAULT_LOCALE));

  if (import.meta.client) ensureDictionary(locale.value);

  function setLocale(next: Locale): void {
    ensureDictionary(next);
    locale.value = next;
    cookie.value = next;
  }

  function t(key: MessageKey, params?: MessageParams): string {
    const template = (DICTIONARIES[locale.value] ?? esMX)[key];
    if (!params) return template;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  }

  /** Formats an ISO 8601 instant in the current locale; an unparsable value is shown as it came. */
  function formatDateTime(iso: string): string {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    let format = dateTimeFormats.get(locale.value);
    if (!format) {
      format = new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'medium' });
      dateTimeFormats.set(locale.value, format);
    }
    return format.format(date);
  }

  return { locale: readonly(locale), setLocale, t, formatDateTime };
}
