// `npm run keys -- create|list|revoke`: producers' ingest keys from a shell, for the first key of a new
// install (before any operator token exists) and for scripts. Writes the same rows and audit records as
// the operator API (`/v1/admin/ingest-keys`), through the same code.
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { createIngestKeySchema, type AuditActor } from '@neo/contracts';
import { AccessDirectory } from '../auth/access';
import { DEFAULT_DATA_DIR } from '../config';
import { AccessStore } from '../store/access-store';
import { openDatabase } from '../store/database';

const USAGE = `usage:
  npm run keys -- create --name NAME [--types TYPE,TYPE|*] [--tenants TENANT,TENANT|*]
  npm run keys -- list
  npm run keys -- revoke KEY_ID

The database is DATABASE_URL, or PGlite in DATA_DIR (default ${DEFAULT_DATA_DIR}, as the event service's;
npm run keys opens npm start's: <DATA_DIR, default .data>/pglite).
With PGlite, stop the event service first: the embedded database takes one process at a time.`;

class UsageError extends Error {}

const list = (value: string | undefined, fallback: string[]) => (value === undefined ? fallback : value.split(',').map((s) => s.trim()).filter(Boolean));

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, types: { type: 'string' }, tenants: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  // Validate before touching the database: bad input changes nothing.
  let request: ReturnType<typeof createIngestKeySchema.parse> | null = null;
  if (command === 'create') {
    const parsed = createIngestKeySchema.safeParse({ name: values.name ?? '', eventTypes: list(values.types, ['*']), tenants: list(values.tenants, []) });
    if (!parsed.success) {
      const flag: Record<string, string> = { eventTypes: '--types', tenants: '--tenants', name: '--name' };
      const firstPerField = new Map(parsed.error.issues.reverse().map((i) => [flag[String(i.path[0])] ?? String(i.path[0]), i.message]));
      throw new UsageError([...firstPerField].reverse().map(([f, m]) => `${f}: ${m}`).join('; '));
    }
    request = parsed.data;
  } else if (command === 'revoke') {
    if (rest.length !== 1 || !/^[0-9a-f-]{36}$/i.test(rest[0]!)) throw new UsageError('revoke takes one key id (a UUID, as `list` shows)');
  } else if (command !== 'list') {
    throw new UsageError(`unknown command "${command}"`);
  }

  const database = await openDatabase({ url: process.env.DATABASE_URL || undefined, dataDir: process.env.DATA_DIR || DEFAULT_DATA_DIR });
  try {
    const access = new AccessDirectory(new AccessStore(database));
    const actor: AuditActor = { kind: 'user', id: `cli:${userInfo().username}` };
    if (request) {
      const created = await access.createIngestKey(actor, request);
      if (values.json) console.log(JSON.stringify(created));
      else {
        console.log(`created ingest key ${created.id} "${created.name}" (types: ${created.eventTypes.join(',')}; tenants: ${created.tenants.join(',')})`);
        console.log(`key (shown once, stored only as a hash): ${created.key}`);
      }
    } else if (command === 'revoke') {
      const revoked = await access.revokeIngestKey(actor, rest[0]!);
      if (!revoked) {
        console.error(`keys: no ingest key ${rest[0]}`);
        return 1;
      }
      console.log(`revoked ingest key ${revoked.id} "${revoked.name}" (refused by every instance within ACCESS_SYNC_MS)`);
    } else {
      const keys = await access.listIngestKeys();
      if (values.json) console.log(JSON.stringify(keys));
      else if (keys.length === 0) console.log('no ingest keys');
      else for (const k of keys) console.log(`${k.id}  ${k.revokedAt ? 'revoked' : 'active '}  ${k.name}  types=${k.eventTypes.join(',')}  tenants=${k.tenants.join(',')}  created=${k.createdAt}  last used=${k.lastUsedAt ?? 'never'}`);
    }
    return 0;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`keys: ${(err as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`keys: ${(err as Error).message}`);
    process.exit(1);
  },
);
