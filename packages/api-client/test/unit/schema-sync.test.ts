import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// The generator itself, not a copy: the test and `npm run api-client:generate` run the same code.
import { SCHEMA_FILE, generateSchema, openApiDocument } from '../../scripts/generate.mjs';

describe('@neo/api-client schema', () => {
  it('src/schema.ts is what the event service\'s current OpenAPI document generates (else: npm run api-client:generate)', { timeout: 240_000 }, async () => {
    const doc = await openApiDocument();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/events', '/v1/realtime/subscription-token', '/v1/history']));
    const fresh = await generateSchema(doc);
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    expect(committed === fresh, 'packages/api-client/src/schema.ts is stale: run `npm run api-client:generate` and commit it').toBe(true);
    // The comparison is not vacuous: a document with one route more generates another file.
    const grown = structuredClone(doc);
    grown.paths['/v1/not-a-route'] = { get: { responses: { 200: { description: 'x' } } } };
    expect(await generateSchema(grown)).not.toBe(committed);
  });
});
