import { uuidv7, type AcceptedEvent, type EventDataInput, type EventType, type IngestResponse, type ProblemDocument } from '@neo/contracts';

export interface EventClientOptions {
  /** Base URL of the event service, e.g. `http://localhost:4000`. */
  baseUrl: string;
  /**
   * The producer's ingest key: one scoped to the event types and tenants it publishes
   * (`POST /v1/admin/ingest-keys` or `npm run keys -- create`). An event outside the scope is refused
   * with 403 `ERR_INGEST_SCOPE` (a `PublishError`, not retried).
   */
  apiKey: string;
  /**
   * Longest wait for one attempt's answer, milliseconds. Default 5000. Shortened to what is left of
   * `maxElapsedMs`, so a hung service never stretches a publish past its budget.
   */
  timeoutMs?: number;
  /**
   * Most attempts per publish, the first included: a retryable failure (see {@link RETRYABLE_STATUSES},
   * and the service unreachable or timing out) is tried again at most `maxAttempts - 1` times. Default 6.
   */
  maxAttempts?: number;
  /**
   * Total time budget of one publish, milliseconds: attempts and the waits between them. No attempt or
   * wait starts that would end after it, and an attempt in flight is cut at it. Default 30000.
   */
  maxElapsedMs?: number;
  /** First wait between attempts, milliseconds; doubles per attempt with jitter, capped at `maxBackoffMs`. Default 200. */
  minBackoffMs?: number;
  /** Longest wait between attempts, milliseconds (a `Retry-After` from the service is honoured instead, within `maxElapsedMs`). Default 5000. */
  maxBackoffMs?: number;
  /** Injected for tests and other runtimes. Default: global fetch. */
  fetch?: typeof fetch;
}

/** One event to publish. `id` is generated (UUID v7) when absent and kept across retries. */
export interface OutgoingEvent<T extends EventType = EventType> {
  type: T;
  tenantId?: string;
  data: EventDataInput<T>;
  id?: string;
  timestamp?: string;
}

/**
 * The service refused the request for good (any 4xx but 408/429: fix the input, the key or its scope;
 * `retryable` false), or kept failing until the attempts or the time budget ran out (`retryable` true:
 * publishing the same events again later, with the same ids, may succeed and never duplicates them).
 */
export class PublishError extends Error {
  override name = 'PublishError';
  constructor(
    message: string,
    /** HTTP status, or 0 when the service could not be reached. */
    readonly status: number,
    /** The problem document the service answered, when it answered one. */
    readonly problem?: ProblemDocument,
    /** Whether retrying later with the same ids may succeed. */
    readonly retryable = false,
  ) {
    super(message);
  }
}

/**
 * Statuses a publish retries, with the same event ids (the service accepts an id once): the request
 * timed out (408), was rate limited (429), or the service or a proxy in front of it failed (500, 502,
 * 503, 504). Every other answer is final: any other 4xx says the input or the credentials are at fault
 * (400, 401, 403, 404, 409, 413, 415, …) and the same request can only fail again.
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

const DEFAULTS = { timeoutMs: 5000, maxAttempts: 6, maxElapsedMs: 30_000, minBackoffMs: 200, maxBackoffMs: 5000 };

/**
 * The ingest client every internal service uses. Retries with backoff and the SAME event ids, so a
 * retried request never creates a second event (the service accepts an id once).
 *
 * The retry loop is written here rather than taken from a library (p-retry, the maintained one, needs
 * Node 22 from version 9): it honours the service's `Retry-After`, and bounds the total time by cutting
 * the attempt in flight at the budget, which p-retry's `maxRetryTime` (checked between attempts) does not;
 * and a producer's only dependency stays the contract.
 */
export class EventClient {
  readonly #o: Required<Omit<EventClientOptions, 'fetch'>> & { fetch: typeof fetch };

  constructor(options: EventClientOptions) {
    this.#o = {
      ...DEFAULTS,
      fetch: globalThis.fetch.bind(globalThis),
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
    };
    if (!(this.#o.maxAttempts >= 1) || !(this.#o.maxElapsedMs > 0) || !(this.#o.timeoutMs > 0)) {
      throw new RangeError('EventClient: maxAttempts ≥ 1, maxElapsedMs > 0 and timeoutMs > 0 are required');
    }
  }

  /** Publishes one event; resolves with its id and channel once the service stored it (202). */
  async publish<T extends EventType>(event: OutgoingEvent<T>): Promise<AcceptedEvent> {
    const [accepted] = await this.publishBatch([event]);
    return accepted!;
  }

  /** Publishes up to 500 events in one request, stored in one transaction: all or none. */
  async publishBatch(events: OutgoingEvent[]): Promise<AcceptedEvent[]> {
    if (events.length === 0) return [];
    const withIds = events.map((e) => ({ ...e, id: e.id ?? uuidv7() }));
    const body = JSON.stringify(withIds.length === 1 ? withIds[0] : { events: withIds });
    const response = await this.#send(body);
    return response.accepted;
  }

  async #send(body: string): Promise<IngestResponse> {
    const deadline = Date.now() + this.#o.maxElapsedMs;
    let lastError: PublishError | null = null;
    for (let attempt = 1; attempt <= this.#o.maxAttempts; attempt++) {
      const outcome = await this.#attempt(body, Math.min(this.#o.timeoutMs, deadline - Date.now()));
      if (!(outcome instanceof PublishError)) return outcome.response;
      if (!outcome.retryable) throw outcome;
      lastError = outcome;
      const backoff = Math.min(this.#o.maxBackoffMs, this.#o.minBackoffMs * 2 ** (attempt - 1));
      const delay = outcome.retryAfterMs ?? Math.round(backoff / 2 + Math.random() * (backoff / 2));
      // Only wait if an attempt can still follow the wait within the budget.
      if (attempt === this.#o.maxAttempts || Date.now() + delay >= deadline) break;
      await new Promise((r) => setTimeout(r, delay));
    }
    throw lastError ?? new PublishError('ingest failed', 0, undefined, true);
  }

  /** One request: the service's answer, or the error it amounts to (retryable or not). */
  async #attempt(body: string, timeoutMs: number): Promise<{ response: IngestResponse } | RetryableOrFinal> {
    let res: Response;
    try {
      res = await this.#o.fetch(`${this.#o.baseUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#o.apiKey}` },
        body,
        signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
      });
    } catch (err) {
      return Object.assign(new PublishError(`event service unreachable: ${(err as Error).message}`, 0, undefined, true), { retryAfterMs: null });
    }
    if (res.status === 202) {
      try {
        return { response: (await res.json()) as IngestResponse };
      } catch (err) {
        return Object.assign(new PublishError(`event service answer unreadable: ${(err as Error).message}`, 0, undefined, true), { retryAfterMs: null });
      }
    }
    const problem = (await res.json().catch(() => undefined)) as ProblemDocument | undefined;
    const detail = problem?.detail ?? res.statusText;
    const error = new PublishError(`ingest refused (${res.status}${problem?.code ? ` ${problem.code}` : ''}): ${detail}`, res.status, problem, RETRYABLE_STATUSES.has(res.status));
    return Object.assign(error, { retryAfterMs: retryAfterMs(res.headers.get('retry-after')) });
  }
}

type RetryableOrFinal = PublishError & { retryAfterMs: number | null };

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
function retryAfterMs(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}
