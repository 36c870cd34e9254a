import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { provisionCentrifugo } from '../../../../scripts/lib/centrifugo.mjs';
import { buildAll } from '../../../../scripts/lib/build.mjs';
import { devSecret } from '../../../../scripts/lib/secrets.mjs';
import { startSystemOnFreePorts } from '../../../../scripts/lib/system.mjs';
import { freePort } from '../../../../scripts/lib/proc.mjs';
import { CHROMIUM_PATH } from '../../../../scripts/lib/chromium.mjs';

export interface E2eSystem {
  portalUrl: string;
  /** The local OpenID Connect provider, with `oidc`. */
  idpUrl?: string;
  serviceUrl: string;
  centrifugoUrl: string;
  ingestKey: string;
  /** The HS256 secret of platform user tokens (`AUTH_JWT_SECRET`; unused with `oidc`). */
  authJwtSecret: string;
  /** The ports in use (`portal` is free for another app when `portal: false`). */
  ports: { centrifugo: number; service: number; portal: number };
  browser: Browser;
  /** Posts events with the ingest key, as an internal service would. */
  ingest(body: unknown): Promise<{ status: number; body: { accepted: Array<{ id: string; channel: string }> } }>;
  stop(): Promise<void>;
}

/**
 * The whole system exactly as `npm start` runs it (same start code), on free ports with fresh secrets and
 * a temp PGlite, plus a headless Debian Chromium driven by playwright-core.
 */
export interface E2eOptions {
  /**
   * Also run the demo deployer, with these settings (env `DEMO_*`). Tests use a fast `speed`, no random
   * failures, and no background deployments or billing, so that what they watch is what they caused.
   */
  deployer?: { speed: number; failureRate?: number; autoDeploy?: boolean; billing?: boolean };
  /** Extra environment of the event service (e.g. shorter `HOST_METRICS_INTERVAL_MS`, `PRESENCE_SWEEP_MS`). */
  env?: Record<string, string>;
  /**
   * Sign in through the local OpenID Connect provider (apps/demo-idp) instead of the demo login, as
   * `npm start -- --oidc` does; token lifetimes in seconds (defaults 300 and 28800).
   */
  oidc?: { accessTokenTtl?: number; refreshTokenTtl?: number };
  /**
   * `false`: do not start the portal; another app (the example host app) serves on `ports.portal`, the
   * origin Centrifugo and the service's CORS allow.
   */
  portal?: false;
}

export async function startE2eSystem(options: E2eOptions = {}): Promise<E2eSystem> {
  await buildAll({ log: () => {} });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'neo-e2e-'));
  const secrets = { AUTH_JWT_SECRET: devSecret(), INGEST_API_KEYS: devSecret(), CENTRIFUGO_API_KEY: devSecret(), CENTRIFUGO_TOKEN_SECRET: devSecret() };
  let oidc: (NonNullable<E2eOptions['oidc']> & { port: number }) | undefined;
  const system = await startSystemOnFreePorts(async (ports) => {
    oidc = options.oidc ? { port: await freePort(), ...options.oidc } : undefined;
    return { centrifugoBin: process.env.CENTRIFUGO_BIN ?? (await provisionCentrifugo()), dataDir, secrets, ports, quiet: true,
      deployer: options.deployer !== undefined,
      oidc,
      portal: options.portal,
      env: {
        LOG_LEVEL: 'warn',
        ...(options.deployer
          ? {
              DEMO_SPEED: String(options.deployer.speed),
              DEMO_FAILURE_RATE: String(options.deployer.failureRate ?? 0),
              DEMO_AUTO_DEPLOY: options.deployer.autoDeploy ? 'on' : 'off',
              DEMO_BILLING: options.deployer.billing ? 'on' : 'off',
            }
          : {}),
        ...options.env,
      },
    };
  });
  const { ports } = system;
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const serviceUrl = `http://127.0.0.1:${ports.service}`;
  return {
    portalUrl: `http://localhost:${ports.portal}`,
    ...(oidc ? { idpUrl: `http://127.0.0.1:${oidc.port}` } : {}),
    serviceUrl,
    centrifugoUrl: `http://127.0.0.1:${ports.centrifugo}`,
    ingestKey: secrets.INGEST_API_KEYS,
    authJwtSecret: secrets.AUTH_JWT_SECRET,
    ports,
    browser,
    async ingest(body) {
      const res = await fetch(`${serviceUrl}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets.INGEST_API_KEYS}` }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    },
    async stop() {
      await browser.close().catch(() => {});
      await system.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
