/**
 * Sends `rate` events per second for `durationMs`, on a 5 ms tick (catching up when a tick is late, so
 * the offered rate holds even on a busy machine): event k is due at k / rate, the first at once, so the
 * window offers exactly ⌈rate × duration⌉ events. (Counting only the events due strictly before the end
 * sent one fewer: 14 of 15 at 5/s for 3 s, which B3 read as 93 % delivered and so as falling behind.)
 * `send` is not awaited; at most `maxInFlight` are outstanding, beyond which the pacer waits (and
 * reports the shortfall as `skipped`).
 */
export async function pace(
  rate: number,
  durationMs: number,
  send: () => Promise<unknown>,
  maxInFlight = 512,
): Promise<{ sent: number; skipped: number; failed: number }> {
  const t0 = performance.now();
  let sent = 0;
  let skipped = 0;
  let failed = 0;
  let inFlight = 0;
  const outstanding = new Set<Promise<unknown>>();
  const total = Math.ceil((durationMs / 1000) * rate);
  for (;;) {
    const elapsed = performance.now() - t0;
    const due = Math.min(total, Math.floor((elapsed / 1000) * rate) + 1) - sent - skipped;
    for (let i = 0; i < due; i++) {
      if (inFlight >= maxInFlight) {
        skipped++;
        continue;
      }
      inFlight++;
      sent++;
      const p = send()
        .catch(() => void failed++)
        .finally(() => {
          inFlight--;
          outstanding.delete(p);
        });
      outstanding.add(p);
    }
    if (sent + skipped >= total) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(outstanding);
  return { sent, skipped, failed };
}

/** Waits until `done()` or `timeoutMs`, polling every 20 ms. */
export async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
