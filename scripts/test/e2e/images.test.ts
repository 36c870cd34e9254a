// The two images as their Dockerfiles build them, without a Docker engine (scripts/lib/docker-dry-build.mjs),
// then started with their own CMD, WORKDIR and ENV in production mode: the event service on PostgreSQL
// and a real Centrifugo, the portal beside it. What `docker compose config` (deploy.test.ts) cannot see:
// a file the build needs and never copies, a workspace `npm ci` misses, a runtime stage without a package.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAll } from '../../lib/build.mjs';
import { provisionCentrifugo } from '../../lib/centrifugo.mjs';
import { dryBuild, IMAGES, type BuiltImage } from '../../lib/docker-dry-build.mjs';
import { ROOT } from '../../lib/paths.mjs';
import { run } from '../../lib/proc.mjs';
import { startSystemOnFreePorts } from '../../lib/system.mjs';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../../../apps/event-service/test/helpers/database';

/** A production secret: random, without the `dev-` mark that production refuses. */
const secret = () => randomBytes(32).toString('base64url');

// On PostgreSQL, as compose runs them (under CI=true a missing server fails the run: createTestDatabase).
describe.skipIf(!DATABASE_KINDS.includes('postgres'))('the images, built from their Dockerfiles and run as they would run', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'neo-images-'));
  const secrets = { AUTH_JWT_SECRET: secret(), INGEST_API_KEYS: secret(), CENTRIFUGO_API_KEY: secret(), CENTRIFUGO_TOKEN_SECRET: secret() };
  let images: { service: BuiltImage; portal: BuiltImage };
  let database: TestDatabase;
  let system: Awaited<ReturnType<typeof startSystemOnFreePorts>>;
  const url = (service: 'service' | 'portal', route: string) => `http://127.0.0.1:${system.ports[service]}${route}`;

  beforeAll(async () => {
    // The workspace's build, which every other test runs, to compare the image's bundle with.
    await buildAll({ log: () => {} });
    // Outside the repository (a temp folder): a built stage must not find the workspace's node_modules above it.
    images = {
      service: await dryBuild({ dockerfile: path.join(ROOT, IMAGES['event-service']), context: ROOT, outDir: path.join(out, 'event-service') }),
      portal: await dryBuild({ dockerfile: path.join(ROOT, IMAGES.portal), context: ROOT, outDir: path.join(out, 'portal') }),
    };
    database = await createTestDatabase('postgres');
    const centrifugoBin = process.env.CENTRIFUGO_BIN ?? (await provisionCentrifugo({ log: () => {} }));
    system = await startSystemOnFreePorts((ports) => ({
      centrifugoBin, dataDir: path.join(out, 'data'), secrets, ports, quiet: true, deployer: false, images,
      nodeEnv: 'production',
      env: { ...database.env, DEMO_LOGIN: 'off', LOG_LEVEL: 'warn' },
    }));
  }, 900_000);

  afterAll(async () => {
    await system?.stop();
    await database?.drop();
    rmSync(out, { recursive: true, force: true });
  });

  it('the event service image carries the bundles the tests run, byte for byte', () => {
    for (const file of ['server.mjs', 'keys.mjs']) {
      const shipped = readFileSync(path.join(images.service.workdir, 'dist', file));
      expect(shipped.equals(readFileSync(path.join(ROOT, 'apps/event-service/dist', file))), file).toBe(true);
    }
  });

  it('its service is ready in production on PostgreSQL and Centrifugo, and stores and publishes an event', async () => {
    const ready = await fetch(url('service', '/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', centrifugo: 'ok' } });
    const event = { type: 'billing_invoice', tenantId: 'acme', data: { invoiceId: 'F-IMAGE-1', amount: 10, currency: 'MXN' } };
    const res = await fetch(url('service', '/v1/events'), {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets.INGEST_API_KEYS}`, 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    expect(res.status).toBe(202);
    // Published to Centrifugo: the service's own count, by either path.
    await expect.poll(async () => {
      const metrics = await (await fetch(url('service', '/metrics'))).text();
      return [...metrics.matchAll(/^neo_published_events_total\{path="(?:fast|relay)"\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    }, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
  });

  it("its keys tool runs from the image on the service's database: a key it creates is listed and accepted", async () => {
    const keys = (...args: string[]) => run(process.execPath, ['dist/keys.mjs', ...args], { quiet: true, cwd: images.service.workdir, env: { PATH: process.env.PATH, ...images.service.env, ...database.env } });
    const created = JSON.parse(await keys('create', '--name', 'image-check', '--types', 'billing_invoice', '--tenants', 'acme', '--json')) as { id: string; key: string };
    expect(await keys('list')).toContain(created.id);
    const res = await fetch(url('service', '/v1/events'), {
      method: 'POST',
      headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'billing_invoice', tenantId: 'acme', data: { invoiceId: 'F-IMAGE-2', amount: 20, currency: 'MXN' } }),
    });
    expect(res.status).toBe(202);
  });

  it('the portal image serves the sign-in page (es-MX) and the scripts it names', async () => {
    const page = await fetch(url('portal', '/login'));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<html[^>]*lang="es-MX"/);
    const script = /\/_nuxt\/[^"]+\.js/.exec(html)?.[0];
    expect(script).toBeDefined();
    expect((await fetch(url('portal', script!))).status).toBe(200);
  });
});
