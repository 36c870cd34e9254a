import type { EventType, HistoryItem } from '@neo/contracts';

export interface HistoryFilter {
  /** Full-text search; '' for none. */
  q: string;
  /** One event type, or every type. */
  type: EventType | 'all';
  /** Events about or by one person (their user id), or everyone's. */
  userId: string | 'all';
}

/** Events per page of the search. */
const PAGE = 20;

/**
 * History as use case 6 describes it: `GET /v1/history` without a channel, so the search covers every
 * channel the caller may read (the service applies the one policy), filtered by type, person and text,
 * newest first, paged by cursor. Each item names its channel.
 */
export function useHistorySearch() {
  const { apiFetch } = useAuth();
  const { errorText } = useMessageText();
  const filter = ref<HistoryFilter>({ q: '', type: 'all', userId: 'all' });
  const items = ref<HistoryItem[]>([]);
  const nextCursor = ref<string | null>(null);
  const status = ref<'idle' | 'loading' | 'ready' | 'error'>('idle');
  const error = ref<string | null>(null);
  /** Answers to an older search are dropped: only the latest filter's results are shown. */
  let generation = 0;

  function query(cursor?: string): string {
    const f = filter.value;
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (f.q.trim()) params.set('q', f.q.trim());
    if (f.type !== 'all') params.set('type', f.type);
    if (f.userId !== 'all') params.set('userId', f.userId);
    if (cursor) params.set('cursor', cursor);
    return `/v1/history?${params}`;
  }

  async function search(): Promise<void> {
    const mine = ++generation;
    status.value = 'loading';
    error.value = null;
    try {
      const page = await apiFetch<{ items: HistoryItem[]; nextCursor: string | null }>(query());
      if (mine !== generation) return;
      items.value = page.items;
      nextCursor.value = page.nextCursor;
      status.value = 'ready';
    } catch (err) {
      if (mine !== generation) return;
      error.value = errorText(err);
      status.value = 'error';
    }
  }

  async function loadMore(): Promise<void> {
    const cursor = nextCursor.value;
    if (!cursor) return;
    const mine = generation;
    try {
      const page = await apiFetch<{ items: HistoryItem[]; nextCursor: string | null }>(query(cursor));
      if (mine !== generation) return;
      const known = new Set(items.value.map((e) => e.id));
      items.value = [...items.value, ...page.items.filter((e) => !known.has(e.id))];
      nextCursor.value = page.nextCursor;
    } catch (err) {
      error.value = errorText(err);
    }
  }

  return { filter, items, nextCursor, status, error, search, loadMore };
}
