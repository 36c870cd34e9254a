import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { POSTGRES_URL } from '../../../../scripts/lib/services.mjs';

export type DatabaseKind = 'pglite' | 'postgres';

/** Where the tests' databases live: PGlite in a temp folder; Postgres in a database the suite creates and drops. */
export interface TestDatabase {
  kind: DatabaseKind;
  /** For `DATABASE_URL`; undefined for PGlite. */
  url?: string;
  /** For `DATA_DIR` (PGlite). */
  dataDir: string;
  env: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * Whether the local Postgres can be used. Outside CI a missing server skips its tests (loudly);
 * under CI=true it fails them.
 */
export const postgresAvailable = process.env.TEST_POSTGRES_AVAILABLE !== '0';
export const DATABASE_KINDS: DatabaseKind[] = postgresAvailable || process.env.CI === 'true' ? ['pglite', 'postgres'] : ['pglite'];
if (!DATABASE_KINDS.includes('postgres')) console.warn('!!! PostgreSQL at 127.0.0.1:5432 is not reachable: its storage tests are SKIPPED !!!');

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'neo-db-'));
  if (kind === 'pglite') {
    return { kind, dataDir, env: { DATA_DIR: dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `neo_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    dataDir,
    env: { DATABASE_URL: url.toString(), DATA_DIR: dataDir },
    drop: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
