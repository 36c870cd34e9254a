import type { InstanceStatus } from './events';

/*
 * Systems online / offline (use case 3): an instance is online while its reports arrive at its own pace,
 * stale after it missed a few, offline after it missed many. The pace is learned from its reports, so a
 * producer reporting every 5 s is stale after 15 s, one reporting every minute after 3 minutes. Pure and
 * shared: the service announces the changes (instance_status) and answers the read routes with it; a
 * portal can age an instance between reports with the very same rule.
 */

/** Interval assumed before a second report teaches the real one, ms. */
export const INSTANCE_DEFAULT_INTERVAL_MS = 60_000;
/** Bounds of a learned interval, ms: jitter below a second and pauses above 10 minutes say nothing about the pace. */
export const INSTANCE_MIN_INTERVAL_MS = 1_000;
export const INSTANCE_MAX_INTERVAL_MS = 600_000;
/** Missed reports before an instance is stale. */
export const INSTANCE_STALE_AFTER_INTERVALS = 3;
/** Missed reports before an instance is offline. */
export const INSTANCE_OFFLINE_AFTER_INTERVALS = 10;
/** Floors, ms: a fast reporter is not stale after one slow request, nor offline after a short pause. */
export const INSTANCE_MIN_STALE_MS = 15_000;
export const INSTANCE_MIN_OFFLINE_MS = 60_000;
/** Weight of the newest gap in the learned interval (an exponential moving average). */
const NEWEST_GAP_WEIGHT = 0.3;
/** A gap longer than this many intervals is an outage, not a new pace: it leaves the interval as it was. */
const OUTAGE_INTERVALS = 4;

const clampInterval = (ms: number) => Math.round(Math.min(INSTANCE_MAX_INTERVAL_MS, Math.max(INSTANCE_MIN_INTERVAL_MS, ms)));

/**
 * The interval after a report that came `gapMs` after the previous one (report timestamps), given the
 * interval learned so far (`null`: this is the second report). Unchanged by a gap of 0 or less (a report
 * out of order or twice) and by an outage.
 */
export function learnInterval(previousMs: number | null, gapMs: number): number | null {
  if (!(gapMs > 0)) return previousMs;
  if (previousMs === null) return clampInterval(gapMs);
  if (gapMs > OUTAGE_INTERVALS * previousMs) return previousMs;
  return clampInterval((1 - NEWEST_GAP_WEIGHT) * previousMs + NEWEST_GAP_WEIGHT * gapMs);
}

/** After how long without a report an instance of this interval is stale, then offline, ms. */
export function instanceThresholds(intervalMs: number | null): { staleAfterMs: number; offlineAfterMs: number } {
  const interval = intervalMs ?? INSTANCE_DEFAULT_INTERVAL_MS;
  return {
    staleAfterMs: Math.max(INSTANCE_MIN_STALE_MS, INSTANCE_STALE_AFTER_INTERVALS * interval),
    offlineAfterMs: Math.max(INSTANCE_MIN_OFFLINE_MS, INSTANCE_OFFLINE_AFTER_INTERVALS * interval),
  };
}

/** The status of an instance whose last report arrived at `receivedAtMs`, at `nowMs`. */
export function instanceStatusAt(receivedAtMs: number, intervalMs: number | null, nowMs: number): InstanceStatus {
  const { staleAfterMs, offlineAfterMs } = instanceThresholds(intervalMs);
  const silentMs = nowMs - receivedAtMs;
  if (silentMs >= offlineAfterMs) return 'offline';
  if (silentMs >= staleAfterMs) return 'stale';
  return 'online';
}
