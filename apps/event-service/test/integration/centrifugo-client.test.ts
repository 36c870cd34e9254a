import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CentrifugoApiError, CentrifugoClient, CentrifugoUnavailableError, transientRefusal, type CentrifugoErrorKind } from '../../src/centrifugo/client';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';

// The server API client against a real Centrifugo: each error kind its metrics count, idempotency keys,
// and a restart (connection refused, then the pooled connections are opened anew).
describe('CentrifugoClient (real Centrifugo)', () => {
  let centrifugo: TestCentrifugo;
  const errors: Array<[string, CentrifugoErrorKind]> = [];
  let client: CentrifugoClient;
  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    client = new CentrifugoClient({ url: centrifugo.url, apiKey: centrifugo.apiKey, onError: (method, kind) => errors.push([method, kind]) });
  });
  beforeEach(() => {
    errors.length = 0;
  });
  afterAll(async () => {
    await client?.close();
    await centrifugo?.stop();
  });

  it('publishes, batches and reads the stream position; a repeated idempotency key is published once', async () => {
    const channel = 'billing:acme';
    const first = await client.publish({ channel, data: { n: 1 }, idempotency_key: 'cfhttp-1' });
    const again = await client.publish({ channel, data: { n: 1 }, idempotency_key: 'cfhttp-1' });
    expect(again.offset).toBe(first.offset);
    const replies = await client.batch([{ channel, data: { n: 2 } }, { channel: 'nope:acme', data: {} }]);
    expect(replies[0]?.publish?.offset).toBe(first.offset! + 1);
    expect(replies[1]?.error?.code).toBe(102);
    // A refusal retrying cannot fix (no such namespace) is not one the relay and the fast path retry; an
    // internal error (100) is.
    expect(transientRefusal(replies)).toBeNull();
    expect(transientRefusal([...replies, { error: { code: 100, message: 'internal server error' } }])?.message).toBe('centrifugo refused a publication: 100 internal server error');
    expect(await client.position(channel)).toEqual({ offset: first.offset! + 1, epoch: first.epoch });
    expect((await client.history(channel, { limit: 10 })).publications?.map((p) => p.data)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(errors).toEqual([['batch', 'api']]);
  });

  it('reads position and presence in one batch, each refusal counted under its own method', async () => {
    const channel = 'presence:acme';
    await client.publish({ channel, data: { n: 1 } });
    const both = await client.positionAndPresence(channel);
    expect(both).toEqual({ position: await client.position(channel), presence: {} });
    expect(both.position?.offset).toBeGreaterThan(0);
    // An unknown namespace: both commands refused (102); the presence refusal is the caller's error.
    const refused = await client.positionAndPresence('nope:acme').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(CentrifugoApiError);
    expect((refused as CentrifugoApiError).code).toBe(102);
    expect(errors).toEqual([['history', 'api'], ['presence', 'api']]);
  });

  it('reports each kind of failure once, with its error class', async () => {
    const refused = await client.publish({ channel: 'nope:acme', data: {} }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(CentrifugoApiError);
    expect((refused as CentrifugoApiError).code).toBe(102);
    await expect(client.call('no_such_method', {})).rejects.toThrow(/HTTP 404/);
    const wrongKey = new CentrifugoClient({ url: centrifugo.url, apiKey: 'not-the-key', onError: (method, kind) => errors.push([method, kind]) });
    await expect(wrongKey.info()).rejects.toThrow(/API key refused/);
    await wrongKey.close();
    expect(errors).toEqual([['publish', 'api'], ['no_such_method', 'http'], ['info', 'auth']]);
  });

  it('Centrifugo killed: calls fail as unreachable; restarted: the same client works again', async () => {
    await client.info(); // a pooled keep-alive connection that the kill cuts
    await centrifugo.kill();
    await expect(client.info()).rejects.toBeInstanceOf(CentrifugoUnavailableError);
    await expect(client.position('billing:acme')).rejects.toBeInstanceOf(CentrifugoUnavailableError);
    expect(errors.map(([, kind]) => kind)).toEqual(['unreachable', 'unreachable']);
    errors.length = 0;
    await centrifugo.start();
    expect((await client.info()).nodes).toHaveLength(1);
    // Memory engine: a new epoch, the stream starts anew.
    expect((await client.publish({ channel: 'billing:acme', data: { n: 3 } })).offset).toBe(1);
    expect(errors).toEqual([]);
  });

  it('a peer that accepts and never answers: the call fails as unreachable after timeoutMs', async () => {
    const held = new Set<net.Socket>();
    const silent = net.createServer((s) => void held.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as net.AddressInfo;
    const kinds: CentrifugoErrorKind[] = [];
    const slow = new CentrifugoClient({ url: `http://127.0.0.1:${port}`, apiKey: 'k', timeoutMs: 300, onError: (_, kind) => kinds.push(kind) });
    try {
      const started = Date.now();
      await expect(slow.info()).rejects.toBeInstanceOf(CentrifugoUnavailableError);
      // undici's timers for timeouts under a second are exact enough; the bound leaves room for a loaded machine.
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(kinds).toEqual(['unreachable']);
    } finally {
      await slow.close();
      held.forEach((s) => s.destroy());
      await new Promise((r) => silent.close(r));
    }
  });

  it('after close(), calls fail as unreachable instead of opening connections again', async () => {
    const closing = new CentrifugoClient({ url: centrifugo.url, apiKey: centrifugo.apiKey, onError: (method, kind) => errors.push([method, kind]) });
    await closing.info();
    await closing.close();
    await expect(closing.info()).rejects.toBeInstanceOf(CentrifugoUnavailableError);
    expect(errors).toEqual([['info', 'unreachable']]);
  });
});
