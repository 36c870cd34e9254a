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
  /** Per-attempt timeout, ms. Default 5000. */
  timeoutMs?: number;
  /** Most attempts per request, the first included. Default 6. */
  maxAttempts?: number;
  /** Give up retrying after this long, ms. Default 30000. */
  maxElapsedMs?: number;
  /** First backoff, ms; doubles per attempt with full jitter, capped at `maxBackoffMs`. Default 200. */
  minBackoffMs?: number;
  /** Default 5000. */
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

/** The service refused the request (4xx) or kept failing until the retry budget ran out. */
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

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/**
 * The ingest client every internal service uses. Retries with backoff and the SAME event ids, so a
 * retried request never creates a second event (the service accepts an id once).
 */
export class EventClient {
  readonly #o: Required<Omit<EventClientOptions, 'fetch'>> & { fetch: typeof fetch };

  constructor(options: EventClientOptions) {
    this.#o = {
      timeoutMs: 5000,
      maxAttempts: 6,
      maxElapsedMs: 30_000,
      minBackoffMs: 200,
      maxBackoffMs: 5000,
      fetch: globalThis.fetch.bind(globalThis),
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
    };
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
    const started = Date.now();
    let lastError: PublishError | null = null;
    for (let attempt = 1; attempt <= this.#o.maxAttempts; attempt++) {
      let retryAfterMs: number | null = null;
      try {
        const res = await this.#o.fetch(`${this.#o.baseUrl}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#o.apiKey}` },
          body,
          signal: AbortSignal.timeout(this.#o.timeoutMs),
        });
        if (res.status === 202) return (await res.json()) as IngestResponse;
        const problem = await res.json().catch(() => undefined) as ProblemDocument | undefined;
        const detail = problem?.detail ?? res.statusText;
        const retryable = RETRYABLE_STATUS.has(res.status);
        lastError = new PublishError(`ingest refused (${res.status}${problem?.code ? ` ${problem.code}` : ''}): ${detail}`, res.status, problem, retryable);
        if (!retryable) throw lastError;
        const header = Number(res.headers.get('retry-after'));
        if (Number.isFinite(header) && header > 0) retryAfterMs = header * 1000;
      } catch (err) {
        if (err instanceof PublishError && !err.retryable) throw err;
        if (!(err instanceof PublishError)) {
          lastError = new PublishError(`event service unreachable: ${(err as Error).message}`, 0, undefined, true);
        }
      }
      const backoff = Math.min(this.#o.maxBackoffMs, this.#o.minBackoffMs * 2 ** (attempt - 1));
      const delay = retryAfterMs ?? Math.round(backoff / 2 + Math.random() * (backoff / 2));
      if (attempt === this.#o.maxAttempts || Date.now() - started + delay > this.#o.maxElapsedMs) break;
      await new Promise((r) => setTimeout(r, delay));
    }
    throw lastError ?? new PublishError('ingest failed', 0, undefined, true);
  }
}
