import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventServiceClient } from '../../src/index';

// The client over real HTTP: a local server records what arrives and answers as the service would.
describe('createEventServiceClient', () => {
  const seen: Array<{ method: string; url: string; authorization: string | undefined; body: string }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
      if (req.url === '/v1/realtime/subscription-token' && JSON.parse(body).channel === 'deployments:globex') {
        res.writeHead(403, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'x', title: 'Forbidden', status: 403, detail: 'not a member', code: 'ERR_FORBIDDEN' }));
      } else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'sub-token' }));
    });
  });
  let baseUrl = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends typed bodies with the token of the provider (asked before every request), and returns problems as { error }', async () => {
    let calls = 0;
    const api = createEventServiceClient({ baseUrl, token: async () => `t${++calls}` });
    const ok = await api.POST('/v1/realtime/subscription-token', { body: { channel: 'deployments:acme' } });
    expect(ok.response.status).toBe(200);
    expect(ok.data).toEqual({ token: 'sub-token' });
    const refused = await api.POST('/v1/realtime/subscription-token', { body: { channel: 'deployments:globex' } });
    expect(refused.data).toBeUndefined();
    expect(refused.response.status).toBe(403);
    expect(refused.error).toMatchObject({ status: 403, detail: 'not a member' });
    expect(seen.map((s) => [s.method, s.url, s.authorization, JSON.parse(s.body).channel])).toEqual([
      ['POST', '/v1/realtime/subscription-token', 'Bearer t1', 'deployments:acme'],
      ['POST', '/v1/realtime/subscription-token', 'Bearer t2', 'deployments:globex'],
    ]);
  });

  it('sends no Authorization header without a token', async () => {
    seen.length = 0;
    const api = createEventServiceClient({ baseUrl });
    await api.GET('/healthz');
    expect(seen).toEqual([{ method: 'GET', url: '/healthz', authorization: undefined, body: '' }]);
  });
});
