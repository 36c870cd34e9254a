// `Intl` formatters are costly to build and lists format many rows: one per locale and currency.
const currencyFormats = new Map<string, Intl.NumberFormat>();

/** Money, time-to-go and clock times in the user's locale (es-MX by default). */
export function useFormat() {
  const { locale, t } = useT();

  function formatMoney(amount: number, currency: string): string {
    const key = `${locale.value}|${currency}`;
    let format = currencyFormats.get(key);
    if (!format) {
      format = new Intl.NumberFormat(locale.value, { style: 'currency', currency });
      currencyFormats.set(key, format);
    }
    return format.format(amount);
  }

  /** "en ~25 s" / "in ~2 min" from an ISO instant, relative to `now` (ms). */
  function formatEta(iso: string, now: number): string {
    const seconds = Math.max(1, Math.round((Date.parse(iso) - now) / 1000));
    return seconds < 90 ? t('deployments.etaSeconds', { n: seconds }) : t('deployments.etaMinutes', { n: Math.round(seconds / 60) });
  }

  function formatTime(iso: string): string {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString(locale.value, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  return { formatMoney, formatEta, formatTime };
}
