import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)].map((m) => m[1]!);
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));

/** Layers point down (STYLE.md): the store is the bottom of the service and routes hold no SQL. */
describe('the service’s layers', () => {
  it('store/ imports nothing from pipeline/, monitoring/, presence/, plugins/ or routes/', () => {
    const upward = sources(path.join(SRC, 'store')).flatMap((file) =>
      importsOf(file)
        .filter((spec) => /^\.\.\/(pipeline|monitoring|presence|plugins|routes|auth)\//.test(spec))
        .map((spec) => `${path.relative(SRC, file)} → ${spec}`),
    );
    expect(upward).toEqual([]);
  });

  it('routes/ write no SQL of their own (queries live in the store)', () => {
    const withSql = sources(path.join(SRC, 'routes')).filter((file) => importsOf(file).includes('drizzle-orm')).map((file) => path.relative(SRC, file));
    expect(withSql).toEqual([]);
  });
});
