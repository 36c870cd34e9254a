import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deploymentRequestBodySchema,
  historyQuerySchema,
  ingestEventSchema,
  isoInstant,
  isStorableText,
  MAX_EVENT_DATA_BYTES,
  parseEventData,
  presenceStatusBodySchema,
  toStorableText,
} from '@neo/contracts';

const paths = (r: { success: boolean; error?: { issues: Array<{ path: PropertyKey[] }> } }) => r.error?.issues.map((i) => i.path.join('.')) ?? [];
/** Any UTF-16 code unit, U+0000 and lone surrogates included. */
const anyUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)), maxLength: 20 });

describe('storable text', () => {
  it('is exactly the text that survives UTF-8 and has no U+0000 (what PostgreSQL text and jsonb hold)', () => {
    fc.assert(fc.property(anyUnits, (s) => {
      const roundTrips = Buffer.from(s, 'utf8').toString('utf8') === s;
      expect(isStorableText(s)).toBe(roundTrips && !s.includes('\u0000'));
    }), { seed: 17, numRuns: 2000 });
  });

  it('normalises to storable text of the same length, leaving storable text alone', () => {
    fc.assert(fc.property(anyUnits, (s) => {
      const out = toStorableText(s);
      expect(isStorableText(out)).toBe(true);
      expect(out).toHaveLength(s.length);
      if (isStorableText(s)) expect(out).toBe(s);
    }), { seed: 17, numRuns: 2000 });
    expect(toStorableText('a\u0000b\ud800c\udc00')).toBe('a\ufffdb\ufffdc\ufffd');
    expect(toStorableText('😀')).toBe('😀');
  });
});

describe('instants', () => {
  const instant = isoInstant();

  it('normalises any offset to UTC milliseconds, within the years 0001–9999', () => {
    expect(instant.parse('2026-03-01T00:30:00+02:00')).toBe('2026-02-28T22:30:00.000Z');
    expect(instant.parse('2026-03-01T00:00:00.123456Z')).toBe('2026-03-01T00:00:00.123Z');
    // Offsets beyond ±15:59 are valid ISO 8601 but not PostgreSQL input; normalised they are fine.
    expect(instant.parse('2026-03-01T00:00:00-23:59')).toBe('2026-03-01T23:59:00.000Z');
    expect(instant.parse('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000Z');
    expect(instant.parse('9999-12-31T23:59:59.999Z')).toBe('9999-12-31T23:59:59.999Z');
  });

  it.each([
    ['year 0000', '0000-01-01T00:00:00Z'],
    ['an offset that lands in year 0000', '0001-01-01T00:00:00+14:00'],
    ['an offset that lands in year 10000', '9999-12-31T23:59:59-00:01'],
  ])('refuses %s', (_label, value) => {
    expect(instant.safeParse(value).success).toBe(false);
  });
});

describe('event fields', () => {
  const invoice = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ingestEventSchema.safeParse({ type: 'billing_invoice', tenantId: 'acme', data: { invoiceId: 'INV-1', amount: 1, currency: 'MXN', ...data }, ...extra });

  it('refuses U+0000 and lone surrogates in stored text, naming the field', () => {
    expect(paths(invoice({ message: 'hola\u0000' }))).toEqual(['data.message']);
    expect(paths(invoice({ invoiceId: 'x\ud800y' }))).toEqual(['data.invoiceId']);
    expect(invoice({ message: 'hola 😀' }).success).toBe(true);
  });

  it('refuses a timestamp outside the representable range and normalises the rest', () => {
    expect(paths(invoice({}, { timestamp: '0000-01-01T00:00:00Z' }))).toEqual(['timestamp']);
    const ok = invoice({}, { timestamp: '2026-03-01T00:00:00-06:00' });
    expect(ok.success && ok.data.timestamp).toBe('2026-03-01T06:00:00.000Z');
    expect(paths(invoice({ dueDate: '0000-02-29' }))).toEqual(['data.dueDate']);
  });

  it('replaces bad characters in log lines instead of refusing the event', () => {
    const data = parseEventData('deployment_progress', { deploymentId: 'd-1', progress: 5, currentStep: 'Instalar', logs: ['ok', 'bin\u0000ario \ud800'] });
    expect(data.logs).toEqual(['ok', 'bin\ufffdario \ufffd']);
  });

  it('refuses data over the size limit as a whole, naming `data`', () => {
    const logs = Array.from({ length: 100 }, () => 'x'.repeat(3000));
    const r = ingestEventSchema.safeParse({ type: 'deployment_start', tenantId: 'acme', data: { deploymentId: 'd-1', instanceType: 'odoo', logs } });
    expect(JSON.stringify(logs).length).toBeGreaterThan(MAX_EVENT_DATA_BYTES);
    expect(paths(r)).toEqual(['data']);
  });
});

describe('request fields', () => {
  it('refuses what cannot be stored or searched in route inputs, naming the field', () => {
    expect(paths(historyQuerySchema.safeParse({ channel: 'billing:acme', q: 'fact\u0000' }))).toEqual(['q']);
    expect(paths(historyQuerySchema.safeParse({ channel: 'billing:acme', from: '0000-01-01' }))).toEqual(['from']);
    expect(paths(presenceStatusBodySchema.safeParse({ status: 'online', currentPage: '/x\ud800' }))).toEqual(['currentPage']);
    expect(paths(deploymentRequestBodySchema.safeParse({ instanceType: 'odoo', instanceName: 'a\u0000' }))).toEqual(['instanceName']);
  });

  it('normalises history dates to UTC milliseconds (a bare date is midnight UTC)', () => {
    expect(historyQuerySchema.parse({ channel: 'billing:acme', from: '2026-03-03', to: '2026-03-05T00:00:00+01:00' })).toMatchObject({ from: '2026-03-03T00:00:00.000Z', to: '2026-03-04T23:00:00.000Z' });
  });
});
