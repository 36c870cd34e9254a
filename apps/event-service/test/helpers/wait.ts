/** Retries `assertion` until it stops throwing or `timeoutMs` passes (then rethrows its last error). */
export async function eventually<T>(assertion: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** Resolves with the first value `emitter` emits for `event` that satisfies `predicate`. */
export function nextEvent<T>(emitter: { on(e: string, fn: (v: T) => void): unknown; removeListener(e: string, fn: (v: T) => void): unknown }, event: string, predicate: (v: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.removeListener(event, handler);
      reject(new Error(`timed out waiting for "${event}"`));
    }, timeoutMs);
    const handler = (v: T) => {
      if (!predicate(v)) return;
      clearTimeout(timer);
      emitter.removeListener(event, handler);
      resolve(v);
    };
    emitter.on(event, handler);
  });
}
