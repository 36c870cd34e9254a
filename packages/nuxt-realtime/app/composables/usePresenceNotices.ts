import type { PresenceMember } from '@neo/contracts';
import { NoticeLimiter, presenceNotices } from '../utils/presence-notices';

/** How long a join/leave notice stays, ms: brief, it is news, not a task. */
const NOTICE_DURATION_MS = 4_000;

/**
 * Brief notices when a teammate comes online or leaves (use case 4), from the live team list: never for
 * oneself, never for the list's first picture, and rate-limited (NoticeLimiter). Call once per tab (the
 * presence plugin does).
 */
export function usePresenceNotices(members: Readonly<Ref<readonly PresenceMember[]>>, ready: Readonly<Ref<boolean>>, meId: string) {
  const toast = useToast();
  const { t } = useT();
  const limiter = new NoticeLimiter();
  let previous: Map<string, boolean> | null = null;

  watch(
    () => (ready.value ? members.value.map((m) => ({ userId: m.userId, userName: m.userName, online: m.status !== 'offline' })) : null),
    (next) => {
      if (!next) return;
      const picture = new Map(next.map((m) => [m.userId, m.online]));
      if (previous) {
        const now = Date.now();
        for (const notice of presenceNotices(previous, next, meId)) {
          if (!limiter.allow(notice, now)) continue;
          toast.add({
            title: t(notice.kind === 'joined' ? 'presence.notice.joined' : 'presence.notice.left', { name: notice.userName }),
            icon: notice.kind === 'joined' ? 'i-lucide-user-check' : 'i-lucide-user-x',
            color: notice.kind === 'joined' ? 'success' : 'neutral',
            duration: NOTICE_DURATION_MS,
          });
        }
      }
      previous = picture;
    },
    { immediate: true },
  );
}
