/** The current time (ms), ticking every `intervalMs` (default 1000) while the component lives: for ETAs. */
export function useNow(intervalMs = 1000) {
  const now = ref(Date.now());
  if (import.meta.client) {
    const timer = setInterval(() => (now.value = Date.now()), intervalMs);
    onScopeDispose(() => clearInterval(timer));
  }
  return now;
}
