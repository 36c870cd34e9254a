/**
 * Polite announcements for screen readers: a component calls `announce(text)` when something changed
 * that a person not looking at the screen should hear (a new notification, a deployment's new state).
 * The one `<LiveAnnouncer>` of the page speaks it, coalesced: at most one announcement per
 * `ANNOUNCE_INTERVAL_MS`, always the latest text, so a burst of events never floods the reader.
 */
export function useAnnouncer() {
  const message = useState<string>('neo-announcement', () => '');
  function announce(text: string): void {
    message.value = text;
  }
  return { message: readonly(message), announce };
}
