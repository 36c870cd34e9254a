import type { Centrifuge, Subscription } from 'centrifuge';
import type { AnyEventEnvelope } from '@neo/contracts';
import { LiveStream, SubscriptionPool, historyCatchUp, type GetJson } from '@neo/realtime-client';
import { subscriptionTokenFrom } from './client';

/**
 * The portal's engine (`@neo/realtime-client`), in Node: a LiveStream whose catch-up reads the service's
 * history API, collecting what it delivers. `start()` subscribes and anchors on an empty state (the
 * test's channel is fresh: stream position 0), as a page that loaded nothing yet would.
 */
export function collectStream(client: Centrifuge, serviceUrl: () => string, token: string, channel: string) {
  const received: AnyEventEnvelope[] = [];
  const pool = new SubscriptionPool(client, { getToken: (ctx) => subscriptionTokenFrom(serviceUrl(), token)(ctx) });
  const getJson: GetJson = async <T>(path: string, init: { signal: AbortSignal }) => {
    const res = await fetch(`${serviceUrl()}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: init.signal });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  const stream = new LiveStream<AnyEventEnvelope>({ source: pool, channel, fetchAfter: historyCatchUp(getJson, channel), onEvent: (e) => received.push(e) });
  const start = (): Subscription => {
    const subscription = stream.start();
    stream.anchor({ streamSeq: 0 });
    return subscription;
  };
  return { stream, start, received };
}
