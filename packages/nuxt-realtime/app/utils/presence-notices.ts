/** A teammate as the notices need them: who, and whether they are here. */
export interface NoticeMember {
  userId: string;
  userName: string;
  online: boolean;
}

export type PresenceNotice = { kind: 'joined' | 'left'; userId: string; userName: string };

/**
 * The join/leave notices between two pictures of the team (previous: userId → online). Never for
 * `meId`; people first seen in `next` count as joining only when they are online. Pure.
 */
export function presenceNotices(previous: ReadonlyMap<string, boolean>, next: readonly NoticeMember[], meId: string | null): PresenceNotice[] {
  const notices: PresenceNotice[] = [];
  for (const m of next) {
    if (m.userId === meId) continue;
    const was = previous.get(m.userId) ?? false;
    if (m.online && !was) notices.push({ kind: 'joined', userId: m.userId, userName: m.userName });
    else if (!m.online && was) notices.push({ kind: 'left', userId: m.userId, userName: m.userName });
  }
  return notices;
}

export interface NoticeLimits {
  /** One notice of a kind per person within this time, ms (a flapping connection says it once). Default 60 000. */
  perPersonMs?: number;
  /** At most this many notices in `windowMs` altogether (a whole office logging in at nine). Default 3. */
  burst?: number;
  /** Default 10 000 ms. */
  windowMs?: number;
}

/**
 * Rate limit of the notices: per person and kind, and overall. Our own code rather than a library: it is
 * a dozen lines over two maps, and a token-bucket package would still need the per-person part.
 */
export class NoticeLimiter {
  readonly #last = new Map<string, number>();
  #recent: number[] = [];
  readonly #perPersonMs: number;
  readonly #burst: number;
  readonly #windowMs: number;

  constructor(limits: NoticeLimits = {}) {
    this.#perPersonMs = limits.perPersonMs ?? 60_000;
    this.#burst = limits.burst ?? 3;
    this.#windowMs = limits.windowMs ?? 10_000;
  }

  /** Whether `notice` may be shown at `now` (ms); counts it when it may. */
  allow(notice: PresenceNotice, now: number): boolean {
    const key = `${notice.kind}\u0000${notice.userId}`;
    const last = this.#last.get(key);
    if (last !== undefined && now - last < this.#perPersonMs) return false;
    this.#recent = this.#recent.filter((at) => now - at < this.#windowMs);
    if (this.#recent.length >= this.#burst) return false;
    this.#recent.push(now);
    this.#last.set(key, now);
    return true;
  }
}
