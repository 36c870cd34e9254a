import type { HistoryItem } from '@neo/contracts';

/** The history API's largest page, and the catch-up's page size. */
export const CATCH_UP_PAGE_SIZE = 200;

/** A GET of the event service answering JSON (the portal's `apiFetch`, a test's fetch with a bearer). */
export type GetJson = <T>(path: string, init: { signal: AbortSignal }) => Promise<T>;

/**
 * The catch-up read of one channel over the event service's history API (`GET /v1/history?afterSeq=`):
 * the `fetchAfter` of a seq-mode stream, the same for the portal and for the delivery tests.
 */
export function historyCatchUp(getJson: GetJson, channel: string) {
  return async (afterSeq: number, limit: number, signal: AbortSignal): Promise<HistoryItem[]> => {
    const query = new URLSearchParams({ channel, afterSeq: String(afterSeq), limit: String(limit) });
    return (await getJson<{ items: HistoryItem[] }>(`/v1/history?${query}`, { signal })).items;
  };
}
