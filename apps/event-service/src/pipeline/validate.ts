import { channelOf, EVENT_TYPES, isEventType, MAX_BATCH_EVENTS, parseIngestEvent, uuidv7, type AnyEventEnvelope, type EventDataInput, type EventType, type FieldError } from '@neo/contracts';
import { AppError, fieldErrors } from '../errors';
import type { ValidatedEvent } from '../store/event-store';

export type { ValidatedEvent };

/**
 * Validates a `POST /v1/events` body (one event, or `{events: [...]}`) against the registry.
 * All failing fields of all events are reported at once, with paths like `events.2.data.progress`.
 */
export function validateIngestBody(body: unknown): ValidatedEvent[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AppError('ERR_VALIDATION', 'the body must be one event object or {"events": [...]}', { errors: [{ path: '(root)', message: 'expected an object' }] });
  }
  const isBatch = 'events' in body;
  const raw: unknown[] = isBatch ? ((body as { events: unknown }).events as unknown[]) : [body];
  if (isBatch) {
    if (!Array.isArray(raw) || raw.length === 0) throw new AppError('ERR_VALIDATION', '"events" must be a non-empty array', { errors: [{ path: 'events', message: 'expected a non-empty array' }] });
    if (raw.length > MAX_BATCH_EVENTS) throw new AppError('ERR_VALIDATION', `at most ${MAX_BATCH_EVENTS} events per request`, { errors: [{ path: 'events', message: `more than ${MAX_BATCH_EVENTS} events` }] });
    if (Object.keys(body).length > 1) throw new AppError('ERR_VALIDATION', 'a batch body has only "events"', { errors: [{ path: '(root)', message: 'unexpected keys besides "events"' }] });
  }
  return validateEvents(raw, isBatch);
}

/** An event the service produces itself (workers, projectors): its `data` typed by the registry for its `type`. */
export type InternalEvent = { [T in EventType]: { type: T; tenantId?: string; id?: string; timestamp?: string; data: EventDataInput<T> } }[EventType];

/**
 * The service's own events (presence, instance status, host metrics, derived alerts): typed where they are
 * built, so a wrong field is a compile error, then checked by the same rules as ingested ones (defaults,
 * limits, channel), so the store gets the same thing whoever produced an event.
 */
export function validateInternal(events: readonly InternalEvent[]): ValidatedEvent[] {
  return validateEvents(events, events.length > 1);
}

/** The one validation of events against the registry, for ingest bodies and the service's own events alike. */
function validateEvents(raw: readonly unknown[], isBatch: boolean): ValidatedEvent[] {
  const errors: FieldError[] = [];
  const unknownTypes: string[] = [];
  const now = new Date().toISOString();
  const events: ValidatedEvent[] = [];
  const seen = new Set<string>();
  raw.forEach((candidate, i) => {
    const prefix = isBatch ? ['events', i] : [];
    const type = (candidate as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && !isEventType(type)) unknownTypes.push(type);
    // The contract's ingestEventSchema check, with `data` parsed once and its JSON (and size) kept.
    const parsed = parseIngestEvent(candidate);
    if (!parsed.success) {
      errors.push(...fieldErrors(parsed.issues, prefix));
      return;
    }
    const e = parsed.event;
    const id = e.id ?? uuidv7();
    if (seen.has(id)) {
      errors.push({ path: [...prefix, 'id'].join('.'), message: 'the same id appears twice in this batch' });
      return;
    }
    seen.add(id);
    const envelope = { id, type: e.type, ...(e.tenantId ? { tenantId: e.tenantId } : {}), data: e.data, timestamp: e.timestamp ?? now } as AnyEventEnvelope;
    events.push({ envelope, channel: channelOf(e.type, e.tenantId)!, dataJson: parsed.dataJson, dataBytes: parsed.dataBytes });
  });
  if (unknownTypes.length > 0 && errors.every((err) => err.path.endsWith('type'))) {
    throw new AppError('ERR_UNKNOWN_EVENT_TYPE', `unknown event type ${unknownTypes.map((t) => JSON.stringify(t.slice(0, 64))).join(', ')}; known: ${EVENT_TYPES.join(', ')}`, { errors });
  }
  if (errors.length > 0) throw new AppError('ERR_VALIDATION', `invalid event: ${errors.slice(0, 5).map((e) => e.path).join(', ')}${errors.length > 5 ? ', …' : ''}`, { errors });
  return events;
}
