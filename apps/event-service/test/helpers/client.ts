import { Centrifuge, type Options as CentrifugeOptions } from 'centrifuge';
import WebSocket from 'ws';
import type { LoginResponse } from '@neo/contracts';

/** Logs a demo user in and returns the platform token. */
export async function login(serviceUrl: string, email: string, password = 'demo1234'): Promise<LoginResponse> {
  const res = await fetch(`${serviceUrl}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (!res.ok) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
  return (await res.json()) as LoginResponse;
}

export async function postJson(url: string, body: unknown, bearer?: string): Promise<{ status: number; body: any; headers: Headers }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Any status and a parsed JSON body (null when empty): the shape the API suites assert on. */
export interface JsonAnswer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One request with an optional bearer and JSON body. */
export async function requestJson(method: string, url: string, bearer: string | null, body?: unknown): Promise<JsonAnswer> {
  const res = await fetch(url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/**
 * A real `centrifuge` client in Node whose tokens come from the event service, exactly as the portal's:
 * connection token and per-channel subscription tokens through `getToken` callbacks.
 */
export function realtimeClient(wsUrl: string, serviceUrl: string, platformToken: string, options: Partial<CentrifugeOptions> = {}): Centrifuge {
  const client = new Centrifuge(wsUrl, {
    websocket: WebSocket,
    minReconnectDelay: 100,
    maxReconnectDelay: 1000,
    getToken: async () => {
      const r = await postJson(`${serviceUrl}/v1/realtime/connection-token`, {}, platformToken);
      if (r.status !== 200) throw new Error(`connection token: ${r.status}`);
      return r.body.token as string;
    },
    ...options,
  });
  return client;
}

/** Subscription `getToken` that asks the service; '' (no permission) on 403. */
export function subscriptionTokenFrom(serviceUrl: string, platformToken: string) {
  return async (ctx: { channel: string }): Promise<string> => {
    const r = await postJson(`${serviceUrl}/v1/realtime/subscription-token`, { channel: ctx.channel }, platformToken);
    if (r.status === 403) return '';
    if (r.status !== 200) throw new Error(`subscription token: ${r.status}`);
    return r.body.token as string;
  };
}
