import {
  tenantChannel,
  type ChannelEventMap,
  type Notification,
  type NotificationListResponse,
  type NotificationReadResponse,
  type NotificationsReadAllResponse,
  type ReadStateMessage,
} from '@neo/contracts';
import type { SeqAnchor as HistoryAnchor } from '@neo/realtime-client';
import { applyReadState } from '../utils/read-state';

/** What `billing:{tenantId}` carries. */
type BillingPublication = ChannelEventMap['billing'];

export const BILLING_TYPES = ['billing_invoice', 'billing_payment', 'billing_plan_change', 'billing_usage_alert', 'billing_subscription'] as const;
export type BillingType = (typeof BILLING_TYPES)[number];

/** A billing notification with the caller's read state (read state is stored by the service, per user). */
export type BillingNotification = Notification;

type NotificationPage = NotificationListResponse;

export interface NotificationFilter {
  type: BillingType | 'all';
  unreadOnly: boolean;
}

/** The live feed's reload (there is one feed per page tree): a retry must anchor the stream again. */
let feedReload: (() => Promise<void>) | null = null;

/**
 * The billing notification centre of this tab, shared by the header badge and the billing page
 * (`useState`), so both always show the same unread count.
 */
export function useNotificationCenter() {
  const { user, apiFetch } = useAuth();
  const items = useState<BillingNotification[]>('neo-notifications', () => []);
  const unreadCount = useState<number>('neo-notifications-unread', () => 0);
  const nextCursor = useState<string | null>('neo-notifications-cursor', () => null);
  const status = useState<'idle' | 'loading' | 'ready' | 'error'>('neo-notifications-status', () => 'idle');
  const error = useState<string | null>('neo-notifications-error', () => null);
  const filter = useState<NotificationFilter>('neo-notifications-filter', () => ({ type: 'all', unreadOnly: false }));
  /** A failed mark-read, shown next to the list. */
  const actionError = useState<string | null>('neo-notifications-action-error', () => null);
  /**
   * The user's own channel as the list route named it, with whose it is (a later login in this tab must
   * not subscribe to the previous user's). The service names it: computing it here would bring SHA-256
   * into every page's JavaScript.
   */
  const ownChannelOf = useState<{ userId: string; channel: string | null } | null>('neo-notifications-own-channel', () => null);

  const { can } = useAccess();
  const canRead = computed(() => can('read', 'billing'));
  const base = computed(() => `/v1/tenants/${encodeURIComponent(user.value?.tenantId ?? '')}/notifications`);

  const { errorText: messageOf } = useMessageText();

  function query(cursor?: string): string {
    const params = new URLSearchParams({ limit: '20' });
    if (filter.value.type !== 'all') params.set('type', filter.value.type);
    if (filter.value.unreadOnly) params.set('unread', 'true');
    if (cursor) params.set('cursor', cursor);
    return `${base.value}?${params}`;
  }

  /** Loads the first page for the current filter; returns its anchor for the live stream. */
  async function load(): Promise<HistoryAnchor | null> {
    if (!canRead.value) return null;
    status.value = 'loading';
    error.value = null;
    try {
      const page = await apiFetch<NotificationPage>(query());
      items.value = page.items;
      unreadCount.value = page.unreadCount;
      nextCursor.value = page.nextCursor;
      if (user.value) ownChannelOf.value = { userId: user.value.id, channel: page.userChannel };
      status.value = 'ready';
      return page;
    } catch (err) {
      error.value = messageOf(err);
      status.value = 'error';
      return null;
    }
  }

  async function loadMore(): Promise<void> {
    if (!nextCursor.value) return;
    try {
      const page = await apiFetch<NotificationPage>(query(nextCursor.value));
      const known = new Set(items.value.map((n) => n.id));
      items.value = [...items.value, ...page.items.filter((n) => !known.has(n.id))];
      nextCursor.value = page.nextCursor;
    } catch (err) {
      actionError.value = messageOf(err);
    }
  }

  async function markRead(id: string): Promise<void> {
    actionError.value = null;
    try {
      const answer = await apiFetch<NotificationReadResponse>(`${base.value}/${encodeURIComponent(id)}/read`, { method: 'POST', body: {} });
      items.value = items.value.map((n) => (n.id === id ? { ...n, read: true } : n)).filter((n) => !filter.value.unreadOnly || !n.read);
      unreadCount.value = answer.unreadCount;
    } catch (err) {
      actionError.value = messageOf(err);
    }
  }

  async function markAllRead(): Promise<void> {
    actionError.value = null;
    try {
      const answer = await apiFetch<NotificationsReadAllResponse>(`${base.value}/read-all`, { method: 'POST', body: {} });
      items.value = filter.value.unreadOnly ? [] : items.value.map((n) => ({ ...n, read: true }));
      unreadCount.value = answer.unreadCount;
    } catch (err) {
      actionError.value = messageOf(err);
    }
  }

  /**
   * A billing event arrived live: fetch its notification (a usage sample that crossed no new
   * threshold has none: 404, ignored) and add it. Returns the notification, also when a reload of the
   * list (a filter change, say) already brought it in: the live stream delivers each event once, so
   * the caller's toast is still due; only the counts must not grow twice.
   */
  async function arrived(event: BillingPublication): Promise<BillingNotification | null> {
    const known = items.value.find((n) => n.id === event.id);
    if (known) return known;
    let notification: BillingNotification;
    try {
      notification = await apiFetch<Notification>(`${base.value}/${encodeURIComponent(event.id)}`);
    } catch {
      return null;
    }
    const loaded = items.value.find((n) => n.id === notification.id);
    if (loaded) return loaded;
    if (!notification.read) unreadCount.value += 1;
    const f = filter.value;
    if ((f.type === 'all' || f.type === notification.type) && (!f.unreadOnly || !notification.read)) items.value = [notification, ...items.value];
    return notification;
  }

  const channel = computed(() => (canRead.value && user.value?.tenantId ? tenantChannel('billing', user.value.tenantId) : ''));
  /** The user's own channel once the list has been loaded ('' before, and for a caller who has none). */
  const ownChannel = computed(() => {
    const own = ownChannelOf.value;
    return canRead.value && own && own.userId === user.value?.id ? (own.channel ?? '') : '';
  });
  /** Loads again and re-anchors the live feed (a retry after a failed load). */
  const retry = (): Promise<unknown> => (feedReload ?? load)();
  return { items, unreadCount, nextCursor, status, error, actionError, filter, canRead, channel, ownChannel, load, loadMore, markRead, markAllRead, arrived, retry };
}

/**
 * The live side of the centre: call ONCE per page tree (the header badge does). Loads, goes live from
 * the loaded state, and toasts each new notification.
 */
export function useNotificationFeed() {
  const center = useNotificationCenter();
  const toast = useToast();
  const { describe, dueText } = useNotificationText();
  const { t } = useT();
  const { announce } = usePoliteAnnouncer();
  const live = useLiveStream<BillingPublication>(center.channel, {
    onEvent: (event) => {
      void center.arrived(event).then((n) => {
        if (!n) return;
        const text = describe(n);
        const due = dueText(n);
        toast.add({ title: text.title, description: due ? `${text.body} · ${due}` : text.body, icon: text.icon, color: text.color });
        // The toast is gone in seconds and a burst would flood a screen reader: the announcer coalesces.
        announce(t('a11y.notificationArrived', { title: text.title, n: center.unreadCount.value }));
      });
    },
    reload: () => void reload(),
  });
  async function reload(): Promise<void> {
    live.unanchor();
    const anchor = await center.load();
    if (anchor) live.anchor(anchor);
  }

  // Read state on every device (use case 2): a mark made on another device of this user arrives on the
  // user's own channel and is applied by version; a mark of this tab comes back too and changes nothing.
  // The channel is known from the first load of the list on, so its first subscription comes after that
  // load: a mark made on another device in between is read at the next load (as after any gap).
  const readVersion = useState<number>('neo-notifications-read-version', () => 0);
  const own = useChannel<ReadStateMessage>(center.ownChannel, (message) => {
    const result = applyReadState(center.items.value, readVersion.value, message, center.filter.value.unreadOnly);
    if (!result.applied) return;
    readVersion.value = result.version;
    center.items.value = result.items;
    center.unreadCount.value = result.unreadCount;
    if (!result.complete) void center.load();
  });
  if (import.meta.client) {
    // Nothing is kept for this channel: after a resubscribe, marks made meanwhile are read from the list.
    let subscribedBefore = false;
    watch(own.state, (state) => {
      if (state !== 'subscribed') return;
      if (subscribedBefore) void center.load();
      subscribedBefore = true;
    });
  }
  if (import.meta.client) {
    feedReload = reload;
    onScopeDispose(() => {
      if (feedReload === reload) feedReload = null;
    });
    watch(center.channel, (name) => name && void reload(), { immediate: true });
    // A filter change loads the list again, and the stream joins it again from its anchor.
    watch(() => ({ ...center.filter.value }), () => void reload(), { deep: true });
  }
  return { ...center, reload };
}
