import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { bundleService } from '../../../../scripts/lib/build.mjs';
import { ROOT } from '../../../../scripts/lib/paths.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startServiceProcess } from '../helpers/process';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { login, realtimeClient } from '../helpers/client';
import { collectStream } from '../helpers/stream';
import { eventually } from '../helpers/wait';

const exitOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

/** GET `url`; the status, or the network error code (ECONNREFUSED once the listener is closed). */
async function probe(url: string): Promise<number | string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    return ((err as Error).cause as { code?: string } | undefined)?.code ?? (err as Error).message;
  }
}

/**
 * A POST whose body is sent in two parts: the request is in flight (headers received, body pending)
 * until `finish()`. That is how a slow client looks to the server, without any sleep in the test.
 */
function slowPost(url: string, key: string, body: string) {
  const half = Math.floor(body.length / 2);
  const u = new URL(url);
  let resolveResponse!: (r: { status: number; body: string }) => void;
  let rejectResponse!: (err: Error) => void;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    resolveResponse = resolve;
    rejectResponse = reject;
  });
  const req = http.request({
    host: u.hostname,
    port: u.port,
    path: u.pathname,
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${key}` },
  });
  req.on('response', (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (text += c));
    res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, body: text }));
  });
  req.on('error', rejectResponse);
  req.write(body.slice(0, half));
  return {
    response,
    finish: () => req.end(body.slice(half)),
  };
}

describe('graceful shutdown (SIGTERM) of the service process', () => {
  let centrifugo: TestCentrifugo;
  let db: TestDatabase;

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    db = await createTestDatabase('pglite');
  });
  afterAll(async () => {
    await centrifugo?.stop();
    await db?.drop();
  });

  it('readyz turns 503 first, the in-flight request finishes, the relay drains, the process exits 0', async () => {
    const service = await startServiceProcess(centrifugo, { ...db.env, SHUTDOWN_DELAY_MS: '1500' });
    const { token } = await login(service.url, 'ana@acme.test');
    const client = realtimeClient(centrifugo.wsUrl, service.url, token);
    const { stream, start, received } = collectStream(client, () => service.url, token, 'metrics:acme');
    try {
      client.connect();
      await start().ready(30_000);
      const N = 200;
      const events = Array.from({ length: N }, (_, i) => ({ type: 'metrics_update', tenantId: 'acme', data: { instanceId: `i-${i}`, cpu: 1, memory: 2, disk: 3, networkIn: 4, networkOut: 5, uptime: i } }));
      const inFlight = slowPost(`${service.url}/v1/events`, service.ingestKey, JSON.stringify({ events }));
      // The request is on the wire before the signal: the server has its headers, not yet its body.
      expect(await probe(`${service.url}/healthz`)).toBe(200);

      const child = service.child();
      const exited = exitOf(child);
      child.kill('SIGTERM');
      // While draining the listener stays open and answers 503, so a load balancer sees "not ready".
      const firstNotReady = await eventually(async () => {
        const status = await probe(`${service.url}/readyz`);
        expect(status).not.toBe(200);
        return status;
      }, 5_000, 10);
      expect(firstNotReady).toBe(503);
      // After SHUTDOWN_DELAY_MS the listener closes: new connections are refused…
      await eventually(async () => expect(await probe(`${service.url}/healthz`)).toBe('ECONNREFUSED'), 10_000, 20);
      // …but the request that was in flight is still served, and stored.
      inFlight.finish();
      const answer = await inFlight.response;
      expect(answer.status, answer.body).toBe(202);
      expect(JSON.parse(answer.body).accepted).toHaveLength(N);

      const { code, signal } = await exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      // Stored after the signal, published by the relay's drain before the process exited.
      await eventually(() => expect(received.length).toBe(N), 10_000, 50);
      expect(received.map((e) => (e.data as { uptime: number }).uptime)).toEqual(Array.from({ length: N }, (_, i) => i));
    } finally {
      stream.stop();
      client.disconnect();
      await service.stop();
    }
  });

  it('a misconfigured start stops at once with one line naming the variable (exit 78)', async () => {
    await bundleService('event-service', { log: () => {} });
    const child = spawn(process.execPath, [path.join(ROOT, 'apps/event-service/dist/server.mjs')], {
      env: { PATH: process.env.PATH, NODE_ENV: 'test', AUTH_JWT_SECRET: 'test-secret', INGEST_API_KEYS: 'k', CENTRIFUGO_API_KEY: 'a', CENTRIFUGO_TOKEN_SECRET: 't', CENTRIFUGO_ENGINE: 'redis', REDIS_URL: 'localhost:6379' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const { code } = await exitOf(child);
    expect(code).toBe(78);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^event-service: configuration error: REDIS_URL: /)]);
  });

  it('a second SIGTERM ends it at once', async () => {
    const service = await startServiceProcess(centrifugo, { ...db.env, SHUTDOWN_DELAY_MS: '60000' });
    try {
      const child = service.child();
      const exited = exitOf(child);
      child.kill('SIGTERM');
      await eventually(async () => expect(await probe(`${service.url}/readyz`)).toBe(503), 5_000, 10);
      const secondAt = Date.now();
      child.kill('SIGTERM');
      const { code } = await exited;
      expect(code).toBe(1);
      // Far sooner than the 60 s delay it was waiting out.
      expect(Date.now() - secondAt).toBeLessThan(2_000);
    } finally {
      await service.stop();
    }
  });
});
