import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

/**
 * A real HTTP server on a free port that answers with `respond(n, body, req)` for the n-th request and
 * keeps every body and request it got; closed after each test.
 */
export async function serve(respond: (n: number, body: Record<string, unknown>, req: IncomingMessage) => Reply) {
  const bodies: Array<Record<string, unknown>> = [];
  const requests: Array<{ method: string; url: string; authorization: string | undefined }> = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      bodies.push(body);
      requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
      const r = respond(bodies.length, body, req);
      setTimeout(() => {
        res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
        res.end(JSON.stringify(r.body ?? {}));
      }, r.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, requests };
}
