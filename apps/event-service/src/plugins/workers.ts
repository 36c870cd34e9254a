import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config';
import type { Database } from '../store/database';
import { countReportingInstances } from '../store/monitoring-store';
import type { EventSink } from '../pipeline/sink';
import { RetentionWorker } from '../pipeline/retention';
import { PgliteVacuum } from '../store/pglite-vacuum';
import { InstanceWatch } from '../monitoring/instance-watch';
import { MonitoringCollector } from '../monitoring/collector';
import type { PresenceService } from '../presence/presence-service';
import type { ServiceMetrics } from './metrics';

/** A background job of the service: it runs while the service is up. */
export interface BackgroundWorker {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

/**
 * A plugin that builds one background worker and owns its life: started once every plugin has loaded
 * (`onReady`), stopped as soon as closing begins (`preClose`, before the listener closes and long before
 * the database does). `create` may answer null when the worker is turned off by configuration.
 */
function workerPlugin<O>(name: string, create: (app: FastifyInstance, options: O) => BackgroundWorker | null) {
  return fp<O & Record<never, never>>(
    async (app, options) => {
      const worker = create(app, options);
      if (!worker) return;
      app.addHook('onReady', async () => worker.start());
      app.addHook('preClose', async () => worker.stop());
    },
    { name: `worker-${name}` },
  );
}

const warn = (app: FastifyInstance, message: string) => (err: unknown) => app.log.warn({ err: (err as Error).message }, message);

/** Marks members offline whose connections Centrifugo no longer lists (`PRESENCE_SWEEP_MS`). */
export const presenceSweepWorker = workerPlugin<{ presence: PresenceService; intervalMs: number }>('presence-sweep', (app, { presence, intervalMs }) => ({
  start: () => presence.start(intervalMs, warn(app, 'presence sweep failed')),
  stop: () => presence.stop(),
}));

/** Turns instances that stopped reporting stale, then offline (`instance_status` events). */
export const instanceWatchWorker = workerPlugin<{ database: Database; sink: EventSink; intervalMs: number }>('instance-watch', (app, { database, sink, intervalMs }) =>
  new InstanceWatch(database, sink, { intervalMs, onError: warn(app, 'instance watch failed') }),
);

/** Real host metrics to `admin:metrics` and threshold alerts to `admin:alerts`; off when the interval is 0. */
export const hostMetricsWorker = workerPlugin<{ config: Config; database: Database; sink: EventSink }>('host-metrics', (app, { config, database, sink }) =>
  config.hostMetricsIntervalMs > 0
    ? new MonitoringCollector(sink, {
        intervalMs: config.hostMetricsIntervalMs,
        diskPath: config.databaseUrl || config.dataDir.startsWith('memory://') ? '/' : config.dataDir,
        // Instances that report, not every deployment ever completed.
        activeInstances: async () => [...(await countReportingInstances(database)).values()].reduce((a, b) => a + b, 0),
        onError: warn(app, 'host metrics: sample failed'),
      })
    : null,
);

/** Deletes events older than the history window, in small batches (`RETENTION_*`). */
export const retentionWorker = workerPlugin<{ config: Config; database: Database; metrics: ServiceMetrics }>('retention', (app, { config, database, metrics }) =>
  new RetentionWorker(database, {
    retentionDays: config.retentionDays,
    intervalMs: config.retentionIntervalMs,
    batchSize: config.retentionBatchSize,
    onBatch: metrics.retentionBatch,
    onRun: ({ deleted, ms }) => deleted > 0 && app.log.info({ deleted, ms: Math.round(ms) }, 'retention: deleted expired events'),
    onError: warn(app, 'retention cleanup failed'),
  }),
);

/** PGlite only (PostgreSQL has its own autovacuum): reclaims the outbox's and retention's dead rows. */
export const pgliteVacuumWorker = workerPlugin<{ database: Database }>('pglite-vacuum', (app, { database }) =>
  database.kind === 'pglite'
    ? new PgliteVacuum(database, {
        // A vacuum that held the one connection for a second or more is worth an operator's eye.
        onTable: ({ table, action, ms }) => app.log[ms >= 1000 ? 'info' : 'debug']({ table, action, ms: Math.round(ms) }, 'pglite: table vacuumed'),
        onError: warn(app, 'pglite vacuum failed'),
      })
    : null,
);
