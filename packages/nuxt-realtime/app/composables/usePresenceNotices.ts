import type { PresenceMember } from '@neo/contracts';
import { NoticeLimiter, presenceNotices, type PresenceNotice } from '../utils/presence-notices';

/** How long a join/leave notice stays, ms: brief, it is news, not a task. */
const NOTICE_DURATION_MS = 4_000;
/**
 * A leave is announced only if they are still gone after this long, ms: a teammate reloading a page or
 * following a full navigation drops their connection for a moment and is back, which is no news at all.
 */
const LEAVE_GRACE_MS = 5_000;

/**
 * Brief notices when a teammate comes online or leaves (use case 4), from the live team list: never for
 * oneself, never for the list's first picture, a leave only when it lasts, and rate-limited
 * (NoticeLimiter). Call once per tab (the presence plugin does).
 */
export function usePresenceNotices(members: Readonly<Ref<readonly PresenceMember[]>>, ready: Readonly<Ref<boolean>>, meId: string) {
  const toast = useToast();
  const { t } = useT();
  const limiter = new NoticeLimiter();
  let previous: Map<string, boolean> | null = null;
  const pendingLeaves = new Map<string, ReturnType<typeof setTimeout>>();

  function show(notice: PresenceNotice): void {
    if (!limiter.allow(notice, Date.now())) return;
    toast.add({
      title: t(notice.kind === 'joined' ? 'presence.notice.joined' : 'presence.notice.left', { name: notice.userName }),
      icon: notice.kind === 'joined' ? 'i-lucide-user-check' : 'i-lucide-user-x',
      color: notice.kind === 'joined' ? 'success' : 'neutral',
      duration: NOTICE_DURATION_MS,
    });
  }

  watch(
    () => (ready.value ? members.value.map((m) => ({ userId: m.userId, userName: m.userName, online: m.status !== 'offline' })) : null),
    (next) => {
      if (!next) return;
      const picture = new Map(next.map((m) => [m.userId, m.online]));
      if (previous) {
        for (const notice of presenceNotices(previous, next, meId)) {
          const pending = pendingLeaves.get(notice.userId);
          if (notice.kind === 'joined' && pending !== undefined) {
            // Back within the grace period: neither the leave nor this join is news.
            clearTimeout(pending);
            pendingLeaves.delete(notice.userId);
          } else if (notice.kind === 'left') {
            if (pending !== undefined) clearTimeout(pending);
            pendingLeaves.set(notice.userId, setTimeout(() => {
              pendingLeaves.delete(notice.userId);
              show(notice);
            }, LEAVE_GRACE_MS));
          } else show(notice);
        }
      }
      previous = picture;
    },
    { immediate: true },
  );
  onScopeDispose(() => {
    for (const timer of pendingLeaves.values()) clearTimeout(timer);
    pendingLeaves.clear();
  });
}
