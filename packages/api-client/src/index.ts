import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

export type { components, operations, paths } from './schema';

/** Options of {@link createEventServiceClient}. */
export interface EventServiceClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Base URL of the event service, without a trailing slash, e.g. `https://events.example.com`. */
  baseUrl: string;
  /**
   * The bearer credential: a platform user token, or an ingest key for `POST /v1/events`. A function is
   * called before every request, so a token provider can refresh it. Unset: no `Authorization` header.
   */
  token?: string | (() => string | null | undefined | Promise<string | null | undefined>);
}

/** A typed client of the event service (openapi-fetch over the routes of its OpenAPI document). */
export type EventServiceClient = Client<paths>;

/**
 * A client whose paths, parameters, bodies and answers are typed from the event service's OpenAPI
 * document: `client.POST('/v1/realtime/subscription-token', { body: { channel } })`. Errors come back
 * as `{ error }` (RFC 9457 problem documents), never thrown.
 */
export function createEventServiceClient(options: EventServiceClientOptions): EventServiceClient {
  const { token, ...rest } = options;
  const client = createClient<paths>(rest);
  if (token !== undefined) {
    const auth: Middleware = {
      async onRequest({ request }) {
        const value = typeof token === 'function' ? await token() : token;
        if (value) request.headers.set('authorization', `Bearer ${value}`);
        return request;
      },
    };
    client.use(auth);
  }
  return client;
}
