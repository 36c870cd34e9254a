import { SETTABLE_PRESENCE_STATUSES, tenantChannel, type PresenceMember, type PresenceStatus, type StreamPosition } from '@neo/contracts';
import type { CentrifugoClient } from '../centrifugo/client';
import type { Database } from '../store/database';
import { listPresence, markOffline, reportDevice, tenantsWithOnlineUsers, upsertPresence, type PresenceRow } from '../store/presence-store';
import type { EventSink } from '../pipeline/sink';
import { validateInternal } from '../pipeline/validate';

/** What a user may set (the contract's list). */
export const SETTABLE_STATUSES = SETTABLE_PRESENCE_STATUSES;

export type { PresenceMember };

/**
 * Presence that tells the truth: who is connected comes from Centrifugo's presence of
 * `presence:{tenantId}` (a crashed browser drops out within Centrifugo's presence timeout); what they
 * are doing and when they were last seen comes from the store. One status per person across tabs.
 */
export class PresenceService {
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly database: Database,
    private readonly centrifugo: CentrifugoClient,
    private readonly sink: EventSink,
  ) {}

  /**
   * A user's own report. With a device id, one status per person across devices (reportDevice); without
   * one, the status as sent (clients written before devices). Published only when it changed something
   * others see, so a device's heartbeat costs no event.
   */
  async setStatus(p: { tenantId: string; userId: string; userName: string; status: Exclude<PresenceStatus, 'offline'>; currentPage: string | null; deviceId?: string; choice?: 'online' | 'busy' }): Promise<PresenceRow> {
    if (p.deviceId === undefined) {
      const row = await upsertPresence(this.database, p);
      await this.#publish(row);
      return row;
    }
    const before = (await listPresence(this.database, p.tenantId)).find((r) => r.userId === p.userId);
    const row = await reportDevice(this.database, { ...p, deviceId: p.deviceId, away: p.status === 'away', choice: p.choice ?? null });
    if (!before || before.status !== row.status || before.currentPage !== row.currentPage || !before.online || before.userName !== row.userName) await this.#publish(row);
    return row;
  }

  async members(tenantId: string): Promise<{ members: PresenceMember[]; position: StreamPosition | null }> {
    const channel = tenantChannel('presence', tenantId);
    // The position first (its batch reads it before the presence), the stored statuses after it: a change
    // stored after this read is published after the position, so a client that recovers from it misses none.
    const { position, presence: clients } = await this.centrifugo.positionAndPresence(channel);
    const stored = await listPresence(this.database, tenantId);
    const connections = new Map<string, { count: number; name: string }>();
    for (const c of Object.values(clients)) {
      const name = (c.conn_info as { name?: string } | undefined)?.name ?? c.user;
      connections.set(c.user, { count: (connections.get(c.user)?.count ?? 0) + 1, name });
    }
    const byUser = new Map(stored.map((r) => [r.userId, r]));
    const members: PresenceMember[] = [];
    for (const [userId, conn] of connections) {
      const row = byUser.get(userId);
      members.push({
        userId,
        userName: row?.userName ?? conn.name,
        status: row && row.status !== 'offline' ? row.status : 'online',
        currentPage: row?.currentPage ?? null,
        lastSeen: new Date().toISOString(),
        connections: conn.count,
      });
    }
    for (const row of stored) {
      if (connections.has(row.userId)) continue;
      members.push({ userId: row.userId, userName: row.userName, status: 'offline', currentPage: null, lastSeen: row.lastSeen, connections: 0 });
    }
    return { members, position };
  }

  /** Marks people whose last connection went as offline (stores last seen, publishes the change). */
  async sweep(): Promise<number> {
    let changed = 0;
    for (const tenantId of await tenantsWithOnlineUsers(this.database)) {
      const clients = await this.centrifugo.presence(tenantChannel('presence', tenantId));
      const connected = new Set(Object.values(clients).map((c) => c.user));
      const stored = await listPresence(this.database, tenantId);
      const gone = stored.filter((r) => r.online && !connected.has(r.userId)).map((r) => r.userId);
      for (const row of await markOffline(this.database, tenantId, gone)) {
        await this.#publish(row);
        changed++;
      }
    }
    return changed;
  }

  start(intervalMs: number, onError: (err: unknown) => void): void {
    if (this.#timer || intervalMs <= 0) return;
    this.#timer = setInterval(() => void this.sweep().catch(onError), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async #publish(row: PresenceRow): Promise<void> {
    await this.sink.accept(validateInternal([{
      type: 'presence_update',
      tenantId: row.tenantId,
      data: { userId: row.userId, userName: row.userName, status: row.status, ...(row.currentPage ? { currentPage: row.currentPage } : {}), lastSeen: row.lastSeen },
    }]));
  }
}
