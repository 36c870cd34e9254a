import type { ReadStateMessage } from '@neo/contracts';

/** What the read-state folding needs of a notification. */
export interface ReadMarkable {
  id: string;
  read: boolean;
}

export type ReadStateResult<T> =
  | { applied: false }
  /** `complete: false`: a read-all's `upTo` is not in the list (filtered out, or not loaded): load the list again. */
  | { applied: true; items: T[]; unreadCount: number; version: number; complete: boolean };

/**
 * Folds a `notifications_read` message from the user's own channel into the list shown (newest first),
 * when its version is above the last one applied (marks are versioned in commit order, so an older
 * message arriving late changes nothing). Ids marked one by one are read; a read-all reads `upTo` and
 * every notification after it in the list (older ones). Pure.
 */
export function applyReadState<T extends ReadMarkable>(items: readonly T[], lastVersion: number, message: ReadStateMessage, unreadOnly: boolean): ReadStateResult<T> {
  if (message.type !== 'notifications_read' || !(message.data.version > lastVersion)) return { applied: false };
  const { ids, upTo, unreadCount, version } = message.data;
  const marked = new Set(ids);
  let complete = true;
  let readFrom = items.length; // index from which everything is read (read-all)
  if (upTo !== undefined) {
    if (upTo === null) readFrom = items.length;
    else {
      const index = items.findIndex((n) => n.id === upTo);
      if (index >= 0) readFrom = index;
      else complete = false;
    }
  }
  const next = items
    .map((n, i) => (!n.read && (marked.has(n.id) || i >= readFrom) ? { ...n, read: true } : n))
    .filter((n) => !unreadOnly || !n.read);
  return { applied: true, items: next, unreadCount, version, complete };
}
