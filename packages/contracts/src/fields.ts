// Before any schema is built: configures zod for the browser (see the file).
import './zod-setup';
import { z } from 'zod';

/*
 * Field rules for what the database can store, applied once here at the boundary so that no request can
 * reach a store with a value PostgreSQL refuses (which used to surface as a 500). docs/errors.md lists
 * which fields refuse and which normalise.
 */

/**
 * Text PostgreSQL cannot store: `text` cannot hold U+0000, `jsonb` refuses both `\u0000` and a lone
 * `\ud800` escape, and a UTF-16 surrogate without its partner has no UTF-8 encoding at all.
 */
const NUL = '\u0000';
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

export const UNSTORABLE_TEXT_MESSAGE = 'contains U+0000 or an unpaired UTF-16 surrogate, which cannot be stored';

export function isStorableText(value: string): boolean {
  return !value.includes(NUL) && !LONE_SURROGATE.test(value);
}

/** Replaces U+0000 and unpaired surrogates with U+FFFD, the mark a UTF-8 decoder leaves for bad input. */
export function toStorableText(value: string): string {
  return value.replaceAll(NUL, '\ufffd').replace(LONE_SURROGATES, '\ufffd');
}

/** A string the database can store; anything else is refused (400 naming the field). */
export function storableString() {
  return z.string().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);
}

/** Trimmed, non-empty, at most `max` UTF-16 units, storable: the rule for authored text in events. */
export function storableText(max: number) {
  return z.string().trim().min(1).max(max).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);
}

/**
 * Captured machine output (a deployment's log lines): U+0000 and unpaired surrogates are REPLACED with
 * U+FFFD instead of refusing the event, because a tool printing a stray byte must not cost the
 * deployment its progress update. The length (UTF-16 units) is unchanged by the replacement.
 */
export function capturedText(max: number) {
  return z.string().max(max).transform(toStorableText);
}

/** Earliest and latest instants accepted anywhere: the years a four-digit ISO 8601 year can write (UTC). */
export const MIN_INSTANT = '0001-01-01T00:00:00.000Z';
export const MAX_INSTANT = '9999-12-31T23:59:59.999Z';
const MIN_INSTANT_MS = Date.parse(MIN_INSTANT);
const MAX_INSTANT_MS = Date.parse(MAX_INSTANT);
const INSTANT_RANGE_MESSAGE = `outside the representable range ${MIN_INSTANT} … ${MAX_INSTANT}`;

/**
 * The canonical form of an instant: UTC, milliseconds (`toISOString`). PostgreSQL refuses year 0000
 * and offsets beyond ±15:59 (both valid ISO 8601, so zod's format accepts them), and an offset can push
 * a four-digit year out of range (`0001-01-01T00:00:00+14:00` is in year 0000 UTC); the range is
 * checked on the instant, after the offset is applied.
 */
function canonicalInstant(value: string, ctx: z.RefinementCtx): string {
  const ms = Date.parse(value);
  if (!(ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS)) {
    ctx.addIssue({ code: 'custom', message: INSTANT_RANGE_MESSAGE });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
}

/** ISO 8601 date-time with `Z` or an offset, normalised to UTC milliseconds; out-of-range instants refused. */
export function isoInstant() {
  return z.iso.datetime({ offset: true }).transform(canonicalInstant);
}

/** A date-time as `isoInstant`, or a bare date (midnight UTC); normalised to UTC milliseconds. */
export function isoInstantOrDate() {
  return z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform(canonicalInstant);
}

/** A calendar date `YYYY-MM-DD`, year 0001 or later (year 0000 does not exist in PostgreSQL's calendar). */
export function calendarDate() {
  return z.iso.date().refine((value) => !value.startsWith('0000'), INSTANT_RANGE_MESSAGE);
}

/** Most bytes an event's `data` may take as JSON (UTF-8): 256 KiB. */
export const MAX_EVENT_DATA_BYTES = 256 * 1024;

/**
 * The size of `data` as JSON, in UTF-8 bytes. Bounded because every stored event's strings feed a
 * full-text index whose entry PostgreSQL caps at 1 MiB; at most about 3 index bytes per text byte
 * (short unique words), 256 KiB keeps every accepted event indexable.
 */
export function jsonByteLength(data: unknown): number {
  return utf8ByteLength(JSON.stringify(data) ?? '');
}

/** The size of a text in UTF-8 bytes (of JSON already written, say). */
export function utf8ByteLength(text: string): number {
  return utf8.encode(text).length;
}
const utf8 = new TextEncoder();
