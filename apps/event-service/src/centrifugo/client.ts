/**
 * A thin typed client of Centrifugo v6's server HTTP API (`POST /api/<method>`, `X-API-Key`).
 * Written here because cent.js lacks `idempotency_key` and `/api/batch` and loses error codes.
 *
 * It speaks through undici's `Pool.request()`, not the global `fetch`: every publish of the relay and the
 * fast path and every first history page and presence read makes a call here, and `fetch` spent ~0.9 ms
 * of CPU per call in its WHATWG layer (Request/Response objects, web streams, `AbortSignal.timeout`).
 * Measured 2026-12-02 (Node 20, loopback Centrifugo): per call `fetch` 0.8–1.0 ms, `Pool.request()`
 * 0.1–0.2 ms, node:http with a keep-alive Agent 0.2–0.25 ms; in the service a presence read (two calls)
 * went from 4.7–6.4 to 1.9–2.9 ms of CPU. undici 7, not the 8 the portal's build tools bring into the
 * workspace: undici 8 needs Node ≥ 22.19 and does not load on the Node 20 the service runs on.
 */
import { Pool, type Dispatcher } from 'undici';

export interface CentrifugoClientOptions {
  /** Base URL of Centrifugo's HTTP API server, e.g. `http://localhost:8000`. */
  url: string;
  apiKey: string;
  /**
   * Per-request timeout, milliseconds: the most a call waits to connect, then for the answer's headers,
   * then between chunks of its body (undici's own coarse timers: it may fire up to ~1 s late). Default 5000.
   */
  timeoutMs?: number;
  /** Called once per failed API call (metrics); `method` is the API method, `kind` what went wrong. */
  onError?: (method: string, kind: CentrifugoErrorKind) => void;
}

/**
 * What went wrong with an API call: `unreachable` (network, timeout), `auth` (API key refused), `http`
 * (another non-2xx), `malformed` (unreadable answer), `api` (an error reply, e.g. 102 unknown channel).
 */
export type CentrifugoErrorKind = 'unreachable' | 'auth' | 'http' | 'malformed' | 'api';

export interface PublishRequest {
  channel: string;
  data: unknown;
  idempotency_key?: string;
  tags?: Record<string, string>;
  skip_history?: boolean;
}

export interface PublishResult {
  offset?: number;
  epoch?: string;
}

export interface ReplyError {
  code: number;
  message: string;
}

export type BatchReply = { publish: PublishResult; error?: undefined } | { error: ReplyError; publish?: undefined };

/**
 * Centrifugo API error codes that retrying will not fix: 102 (no such namespace) and 107 (bad request).
 * The relay and the fast path do not retry such a publication (the event stays in the history).
 */
const PERMANENT_CODES = new Set([102, 107]);

/** The first refusal in a batch's replies that a retry could fix, as an error to throw; else null. */
export function transientRefusal(replies: BatchReply[]): Error | null {
  const refused = replies.find((reply) => reply.error && !PERMANENT_CODES.has(reply.error.code))?.error;
  return refused ? new Error(`centrifugo refused a publication: ${refused.code} ${refused.message}`) : null;
}

export interface HistoryResult {
  publications?: Array<{ data: unknown; offset?: number }>;
  offset?: number;
  epoch?: string;
}

export interface ClientInfo {
  client: string;
  user: string;
  conn_info?: unknown;
  chan_info?: unknown;
}

/** Centrifugo answered with an error reply (`code` from its API error list, e.g. 102 unknown channel). */
export class CentrifugoApiError extends Error {
  override name = 'CentrifugoApiError';
  constructor(readonly code: number, message: string) {
    super(`centrifugo api error ${code}: ${message}`);
  }
}

/** Centrifugo could not be reached, timed out, or refused the API key. */
export class CentrifugoUnavailableError extends Error {
  override name = 'CentrifugoUnavailableError';
}

export class CentrifugoClient {
  readonly #pool: Pool;
  /** Path prefix of `url` (empty for a bare origin), before `/api/<method>`. */
  readonly #basePath: string;
  readonly #apiKey: string;
  readonly #timeoutMs: number;
  readonly #onError: (method: string, kind: CentrifugoErrorKind) => void;

  constructor(options: CentrifugoClientOptions) {
    const url = new URL(options.url);
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#onError = options.onError ?? (() => {});
    // Keep-alive connections, as many as calls in flight (no cap, like `fetch`'s global agent): the relay,
    // the fast path and the read routes never wait behind one another here. A connection Centrifugo closed
    // (it restarted) fails the call on it as `unreachable`; the next call opens a new one.
    this.#pool = new Pool(url.origin, { connect: { timeout: this.#timeoutMs } });
  }

  /** Closes the connections once the calls in flight have answered; later calls fail as `unreachable`. */
  close(): Promise<void> {
    return this.#pool.close();
  }

  publish(req: PublishRequest): Promise<PublishResult> {
    return this.call<PublishResult>('publish', req);
  }

  /** Sends many publishes in one request; replies come back in order, each with its own error. */
  async batch(publishes: PublishRequest[]): Promise<BatchReply[]> {
    if (publishes.length === 0) return [];
    // /api/batch answers `{replies: [...]}` without the `result` wrapper of the other methods.
    const body = await this.#post<{ replies?: BatchReply[]; error?: ReplyError }>('batch', { commands: publishes.map((publish) => ({ publish })) });
    if (body.error) throw this.#apiError('batch', body.error);
    // Per-publication refusals inside a batch are API errors too, though the batch itself succeeded.
    if (body.replies?.some((r) => r.error)) this.#onError('batch', 'api');
    return body.replies ?? [];
  }

  /** The channel's current stream position (history call without a limit). */
  async position(channel: string): Promise<{ offset: number; epoch: string }> {
    const r = await this.call<HistoryResult>('history', { channel, limit: 0 });
    return { offset: r.offset ?? 0, epoch: r.epoch ?? '' };
  }

  history(channel: string, options: { limit?: number; since?: { offset: number; epoch: string }; reverse?: boolean } = {}): Promise<HistoryResult> {
    return this.call<HistoryResult>('history', { channel, ...options });
  }

  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    const r = await this.call<{ presence?: Record<string, ClientInfo> }>('presence', { channel });
    return r.presence ?? {};
  }

  /**
   * The channel's stream position, then who is present: the two calls of a presence read as one
   * `/api/batch` request (its commands run in order, so the position is read first). One HTTP round
   * trip instead of two: each costs the service ~0.1–0.2 ms of CPU, and presence reads come in floods.
   * `position` is null when Centrifugo refused that command alone (as a caller of `position` that
   * tolerates its failure would see it); a refused presence command throws, as `presence` does.
   */
  async positionAndPresence(channel: string): Promise<{ position: { offset: number; epoch: string } | null; presence: Record<string, ClientInfo> }> {
    type Reply = { history?: HistoryResult; presence?: { presence?: Record<string, ClientInfo> }; error?: ReplyError };
    const body = await this.#post<{ replies?: Reply[]; error?: ReplyError }>('batch', { commands: [{ history: { channel, limit: 0 } }, { presence: { channel } }] });
    if (body.error) throw this.#apiError('batch', body.error);
    const [history, presence] = body.replies ?? [];
    if (!history || !presence) {
      this.#onError('batch', 'malformed');
      throw new CentrifugoUnavailableError('centrifugo batch: fewer replies than commands');
    }
    if (history.error) this.#apiError('history', history.error);
    if (presence.error) throw this.#apiError('presence', presence.error);
    return {
      position: history.error ? null : { offset: history.history?.offset ?? 0, epoch: history.history?.epoch ?? '' },
      presence: presence.presence?.presence ?? {},
    };
  }

  presenceStats(channel: string): Promise<{ num_clients: number; num_users: number }> {
    return this.call('presence_stats', { channel });
  }

  async unsubscribe(user: string, channel: string): Promise<void> {
    await this.call('unsubscribe', { user, channel });
  }

  async disconnect(user: string, disconnect?: { code: number; reason: string }): Promise<void> {
    await this.call('disconnect', disconnect ? { user, disconnect } : { user });
  }

  info(): Promise<{ nodes: Array<{ uid: string; name: string; version: string; num_clients: number; num_users: number }> }> {
    return this.call('info', {});
  }

  async call<T>(method: string, params: unknown): Promise<T> {
    const body = await this.#post<{ result?: T; error?: ReplyError }>(method, params);
    if (body.error) throw this.#apiError(method, body.error);
    return (body.result ?? {}) as T;
  }

  async #post<B>(method: string, params: unknown): Promise<B> {
    let res: Dispatcher.ResponseData;
    try {
      res = await this.#pool.request({
        path: `${this.#basePath}/api/${method}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': this.#apiKey },
        body: JSON.stringify(params),
        // undici's timers rather than an `AbortSignal.timeout()` per call: the signal and its timer cost
        // ~30–40 µs a call, a third of what the call costs now.
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
    } catch (err) {
      this.#onError(method, 'unreachable');
      throw new CentrifugoUnavailableError(`centrifugo ${method}: ${(err as Error).message}`, { cause: err });
    }
    if (res.statusCode < 200 || res.statusCode > 299) {
      // The body is read to its end (and dropped) so that the connection goes back to the pool.
      await res.body.dump().catch(() => {});
      const kind = res.statusCode === 401 ? 'auth' : 'http';
      this.#onError(method, kind);
      throw new CentrifugoUnavailableError(kind === 'auth' ? `centrifugo ${method}: API key refused (401)` : `centrifugo ${method}: HTTP ${res.statusCode}`);
    }
    try {
      return (await res.body.json()) as B;
    } catch (err) {
      this.#onError(method, 'malformed');
      throw new CentrifugoUnavailableError(`centrifugo ${method}: unreadable answer`, { cause: err });
    }
  }

  #apiError(method: string, error: ReplyError): CentrifugoApiError {
    this.#onError(method, 'api');
    return new CentrifugoApiError(error.code, error.message);
  }
}
