import pRetry from 'p-retry';

/** Delays of the one retry policy of the client side (full jitter, doubling). */
export interface BackoffOptions {
  /** First wait after a failure, ms. Default 250. */
  minDelayMs?: number;
  /** Longest wait between attempts, ms. Default 5000. */
  maxDelayMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { minDelayMs: 250, maxDelayMs: 5_000 };

export interface RetryOptions extends BackoffOptions {
  /** Stops retrying (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Told about every failed attempt (it is retried anyway). */
  onError?: (error: unknown) => void;
}

/**
 * Runs `attempt` until it succeeds, waiting longer after each failure: the client's one backoff helper
 * (history catch-up, reloads), on p-retry rather than another hand-written loop.
 */
export function retryWithBackoff<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { signal, onError } = options;
  const minDelayMs = options.minDelayMs ?? DEFAULT_BACKOFF.minDelayMs;
  const maxDelayMs = Math.max(minDelayMs, options.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs);
  return pRetry(attempt, {
    retries: Number.POSITIVE_INFINITY,
    factor: 2,
    minTimeout: minDelayMs,
    maxTimeout: maxDelayMs,
    randomize: true,
    ...(signal ? { signal } : {}),
    onFailedAttempt: (context) => onError?.(context.error),
  });
}
