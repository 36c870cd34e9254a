import type { Centrifuge } from 'centrifuge';
import type { AnyEventEnvelope } from '@neo/contracts';
import { DurableStream } from '@neo/nuxt-realtime/durable-stream';
import { subscriptionTokenFrom } from './client';

/** A DurableStream whose catch-up reads the service's history API, collecting what it delivers. */
export function collectStream(client: Centrifuge, serviceUrl: () => string, token: string, channel: string) {
  const received: AnyEventEnvelope[] = [];
  const stream = new DurableStream({
    client,
    channel,
    getToken: (ctx) => subscriptionTokenFrom(serviceUrl(), token)(ctx),
    fetchAfter: async (ch, afterSeq, limit) => {
      const res = await fetch(`${serviceUrl()}/v1/history?channel=${encodeURIComponent(ch)}&afterSeq=${afterSeq}&limit=${limit}`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`history ${res.status}`);
      return ((await res.json()) as { items: AnyEventEnvelope[] }).items;
    },
    onEvent: (e) => received.push(e),
  });
  return { stream, received };
}
