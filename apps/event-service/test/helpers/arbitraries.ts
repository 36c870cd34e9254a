import fc from 'fast-check';

/**
 * fast-check arbitraries for the totality tests: valid values generated from a route's own JSON Schema
 * (what zod's `toJSONSchema` and the service's OpenAPI document say), and corruptions of them aimed at
 * what a database or a parser chokes on.
 */

/** The part of JSON Schema that zod emits for our contract. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
}

/** Per-property arbitraries that replace what the schema would give (to reach known rows, e.g. tenant `acme`). */
export type Overrides = Record<string, fc.Arbitrary<unknown>>;

const instant = fc.date({ min: new Date('0001-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true });
const recent = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true });
/** An ISO 8601 date-time as a producer writes it: mostly recent, sometimes any year, sometimes with an offset. */
export const isoDateTime = fc
  .tuple(fc.oneof({ weight: 4, arbitrary: recent }, { weight: 1, arbitrary: instant }), fc.option(fc.integer({ min: -15 * 60, max: 15 * 60 }), { freq: 3 }))
  .map(([date, offset]) => {
    if (offset === null) return date.toISOString();
    const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 19);
    if (local.startsWith('-') || local.startsWith('+')) return date.toISOString();
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  });

/** A value `schema` accepts (JSON Schema carries no refinements, so the service may still refuse it). */
export function valueOf(schema: JsonSchema, overrides: Overrides = {}): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => valueOf(s, overrides)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case 'number': {
      const min = schema.minimum ?? schema.exclusiveMinimum ?? -1e9;
      const max = schema.maximum ?? schema.exclusiveMaximum ?? 1e9;
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true, minExcluded: schema.exclusiveMinimum !== undefined, maxExcluded: schema.exclusiveMaximum !== undefined });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(valueOf(schema.items ?? {}, overrides), { minLength: schema.minItems ?? 0, maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 5, 5)) });
    case 'object': {
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, sub] of Object.entries(schema.properties ?? {})) shape[key] = overrides[key] ?? valueOf(sub, overrides);
      return fc.record(shape, { requiredKeys: (schema.required ?? []).filter((k) => k in shape) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? 60;
  const fits = (s: string) => s.length >= minLength && s.length <= maxLength;
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'date-time') return isoDateTime;
  if (schema.format === 'date') return fc.oneof(recent, instant).map((d) => d.toISOString().slice(0, 10));
  if (schema.format === 'uri') return fc.webUrl({ validSchemes: ['https', 'http'] }).filter(fits);
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter(fits);
  const length = { minLength, maxLength: Math.max(minLength, Math.min(maxLength, 60)) };
  // Mostly Spanish-looking text that a producer sends; sometimes any Unicode (well-formed).
  return fc.oneof({ weight: 3, arbitrary: fc.string(length) }, { weight: 1, arbitrary: fc.string({ ...length, unit: 'grapheme' }) }).filter((s) => s.trim().length >= minLength);
}

/**
 * A JSON text spliced in verbatim where an object `{[RAW]: text}` stands: numbers JavaScript cannot
 * hold (`1e400`) and nesting too deep for JSON.stringify.
 */
export const RAW = '\u0001raw';

/** Any UTF-16 code unit, lone surrogates and U+0000 included: what a JSON `\uXXXX` escape can carry. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));

/** Characters that databases, JSON and UTF-8 encoders refuse or treat specially; the worst ones most often. */
export const badChar = fc.oneof(
  { weight: 4, arbitrary: fc.constant('\u0000') },
  { weight: 4, arbitrary: fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff') },
  { weight: 2, arbitrary: fc.constantFrom('\ufffe', '\uffff', '\ufeff', '\u202e', '\u0001', '\u007f', '\u2028', '\\', '"', '%', "'", '💥') },
);

/** Dates a database or `Date` cannot hold, or that only parse with care. */
export const nastyDate = fc.oneof(
  fc.constantFrom(
    '0000-01-01T00:00:00Z', '0000-01-01', '0000-12-31T23:59:59.999Z', '0001-01-01T00:00:00+14:00', '0001-01-01T00:00:00.000+00:01', '9999-12-31T23:59:59.999-23:59',
    '9999-12-31T23:59:59-15:59', '9999-12-31T20:00:00-23:59', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '2026-02-30', '2024-02-29T24:00:00Z',
    '2026-01-01T00:00:00.1234567890123Z', '2026-01-01T00:00:00-00:00', '2026-01-01T00:00:00+23:59', '1970-01-01T00:00:00Z', '2026-13-01', '2026-01-01T00:00:60Z',
  ),
  fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 })).map(([year, offset]) => {
    const abs = Math.abs(offset);
    return `${String(year).padStart(4, '0')}-06-15T12:00:00${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  }),
);

/** Numbers at the edges: beyond int32, int64 and safe integers, the smallest double, negative zero. */
export const nastyNumber = fc.oneof(
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 2 ** 63, -(2 ** 63), 2 ** 64, 5e-324, -0, 1e21, -1, 0, 0.5, 2 ** 31, 2 ** 31 - 1),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Strings of unique short words: each word becomes its own full-text lexeme, the worst case for a tsvector. */
const uniqueWords = (seed: number, length: number) => {
  let out = '';
  for (let i = 0; out.length < length; i++) out += `${(seed * 7919 + i).toString(36)} `;
  return out.slice(0, length);
};

/**
 * A value to drop into a field instead of what belongs there: bad text, extreme numbers and dates, odd
 * JSON; the large ones (long texts, deep and wide JSON) about one time in eight, for the run time.
 */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: codeUnit, maxLength: 30 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '\u0000', 'a\u0000b', '\ud800', 'x\ud800y', 'x\udc00', '\ud83d', '', ' ', '\ufeff', '%00', '\\u0000', 'null', '-0', '1e400', 'NaN', 'Infinity',
      '99999999999999999999', '0x10', '1e3', '__proto__', 'constructor', "'; select pg_sleep(5); --",
    ),
  },
  { weight: 5, arbitrary: nastyNumber },
  { weight: 4, arbitrary: nastyDate },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 300_000 }).map((n) => ({ [RAW]: String(n).padStart(40, '9') })) },
  { weight: 1, arbitrary: fc.constantFrom({ [RAW]: '1e400' }, { [RAW]: '-1e400' }, { [RAW]: '1e-400' }, { [RAW]: '123456789012345678901234567890.5' }, { [RAW]: '-0.0' }) },
  { weight: 2, arbitrary: isoDateTime },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', 'é', '💥', '\u0000', '\ud800', 'a b ', '\u4e00'), fc.integer({ min: 100, max: 60_000 })).map(([c, n]) => c.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 1e6 }).map((seed) => uniqueWords(seed, 3999)) },
  // A full log of unique words: close to 1 MiB of text, for the full-text index's size limit.
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 1e6 }).map((seed) => Array.from({ length: 200 }, (_, i) => uniqueWords(seed + i * 1000, 3999))) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 50_000 }).map((depth) => ({ [RAW]: '['.repeat(depth) + ']'.repeat(depth) })) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 20_000 }).map((depth) => ({ [RAW]: '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) })) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 20_000 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 20_000 }).map((n) => Array.from({ length: n }, (_, i) => i)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], { '': null }) },
);

/** Serialises a generated value, splicing raw JSON texts in. */
export function toJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && RAW in v) {
      raws.push((v as Record<string, string>)[RAW]!);
      return `\u0002${raws.length - 1}\u0002`;
    }
    return v;
  });
  return (text ?? 'null').replace(/"\\u0002(\d+)\\u0002"/g, (_m, i: string) => raws[Number(i)]!);
}

export interface Corruption {
  /** Which node of the value (depth-first index, modulo the number of nodes). */
  target: number;
  op: 'replace' | 'splice' | 'extreme' | 'add-key' | 'delete' | 'wrap';
  value: unknown;
  char: string;
  date: string;
  number: number;
  position: number;
  key: string;
}

export const corruption: fc.Arbitrary<Corruption> = fc.record({
  target: fc.nat(),
  // `splice` keeps the value valid but for one bad character, `extreme` keeps its type but moves it to
  // an edge (a date, a number): the ways past a schema to the database.
  op: fc.constantFrom<Corruption['op']>('splice', 'splice', 'splice', 'extreme', 'extreme', 'replace', 'replace', 'add-key', 'delete', 'wrap'),
  value: nastyValue,
  char: badChar,
  date: nastyDate,
  number: nastyNumber,
  position: fc.nat(),
  key: fc.oneof(fc.string({ unit: codeUnit, maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'extra', '')),
});

/** Up to `max` corruptions, sometimes none (then the value is sent as generated). */
export const corruptions = (max = 2) => fc.oneof({ weight: 1, arbitrary: fc.constant([] as Corruption[]) }, { weight: 4, arbitrary: fc.array(corruption, { minLength: 1, maxLength: max }) });

type Node = { parent: Record<string, unknown> | unknown[] | null; key: string | number; value: unknown };

function nodesOf(root: unknown): Node[] {
  const out: Node[] = [{ parent: null, key: '', value: root }];
  const walk = (value: unknown) => {
    if (value === null || typeof value !== 'object' || RAW in value) return;
    for (const [k, v] of Object.entries(value)) {
      out.push({ parent: value as Record<string, unknown>, key: Array.isArray(value) ? Number(k) : k, value: v });
      walk(v);
    }
  };
  walk(root);
  return out;
}

/** Applies corruptions to a copy of `value`. Strings are preferred targets of `splice`. */
export function corrupt(value: unknown, list: readonly Corruption[]): unknown {
  const box = { root: structuredClone(value) as unknown };
  for (const c of list) {
    const nodes = nodesOf(box.root);
    const pool = c.op === 'splice' ? nodes.filter((n) => typeof n.value === 'string')
      : c.op === 'extreme' ? nodes.filter((n) => typeof n.value === 'number' || (typeof n.value === 'string' && /^\d{4}-\d\d-\d\d/.test(n.value)))
      : nodes;
    const node = (pool.length > 0 ? pool : nodes)[c.target % (pool.length > 0 ? pool.length : nodes.length)]!;
    const set = (v: unknown) => {
      if (node.parent === null) box.root = v;
      else (node.parent as Record<string | number, unknown>)[node.key] = v;
    };
    switch (c.op) {
      case 'splice': {
        if (typeof node.value !== 'string') {
          set(c.value);
          break;
        }
        const at = c.position % (node.value.length + 1);
        set(node.value.slice(0, at) + c.char + node.value.slice(at));
        break;
      }
      case 'extreme':
        set(typeof node.value === 'number' ? c.number : typeof node.value === 'string' && /^\d{4}-\d\d-\d\d/.test(node.value) ? c.date : c.value);
        break;
      case 'replace':
        set(c.value);
        break;
      case 'add-key':
        if (node.value && typeof node.value === 'object' && !Array.isArray(node.value) && !(RAW in node.value)) (node.value as Record<string, unknown>)[c.key] = c.value;
        else set(c.value);
        break;
      case 'delete':
        if (node.parent === null) box.root = undefined;
        else if (Array.isArray(node.parent)) node.parent.splice(node.key as number, 1);
        else delete node.parent[node.key as string];
        break;
      case 'wrap':
        set(c.position % 2 === 0 ? [node.value] : { value: node.value });
        break;
    }
  }
  return box.root;
}
