// Creates the database of a Postgres URL when it is missing, with the `psql` client (the scripts use
// Node's standard library only, so no `pg` here). Used by `npm run start:cluster`.
import { hasCommand, run } from './proc.mjs';

/**
 * @param {string} databaseUrl e.g. postgres://postgres@127.0.0.1:5432/neo_realtime
 * @returns {Promise<'exists' | 'created'>}
 * @throws {Error} with what to do when psql is missing or the server refuses
 */
export async function ensureDatabase(databaseUrl) {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`DATABASE_URL: "${name}" is not a plain database name`);
  if (!(await hasCommand('psql'))) {
    throw new Error(`psql is not installed, so the database "${name}" cannot be checked or created here; create it yourself (createdb ${name}) or install the PostgreSQL client`);
  }
  // Connect to the maintenance database of the same server to look for (and create) ours.
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const psql = (sql) => run('psql', [admin.toString(), '-v', 'ON_ERROR_STOP=1', '-tAc', sql], { quiet: true });
  let found;
  try {
    found = (await psql(`select 1 from pg_database where datname = '${name}'`)).trim();
  } catch (err) {
    const output = /** @type {any} */ (err).output ?? '';
    throw new Error(`cannot reach Postgres at ${url.host} as ${url.username || 'the current user'}: ${output.trim().split('\n')[0] ?? ''}`);
  }
  if (found === '1') return 'exists';
  await psql(`create database "${name}"`);
  return 'created';
}
