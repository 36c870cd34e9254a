import { describe, expect, it } from 'vitest';
import { INSTANCE_DEFAULT_INTERVAL_MS, instanceStatusAt, instanceThresholds, learnInterval } from '@neo/contracts';

describe('instances online / stale / offline', () => {
  it('learns the interval from the gaps between reports, ignoring outages, repeats and jitter below bounds', () => {
    expect(learnInterval(null, 5_000)).toBe(5_000);
    expect(learnInterval(5_000, 6_000)).toBe(5_300);
    expect(learnInterval(5_000, 0)).toBe(5_000);
    expect(learnInterval(5_000, -3_000)).toBe(5_000);
    expect(learnInterval(null, 0)).toBeNull();
    // An hour of silence is an outage, not a new pace.
    expect(learnInterval(5_000, 3_600_000)).toBe(5_000);
    expect(learnInterval(null, 10)).toBe(1_000);
    expect(learnInterval(null, 3_600_000)).toBe(600_000);
  });

  it('is stale after 3 intervals and offline after 10, never sooner than 15 s and 60 s', () => {
    expect(instanceThresholds(5_000)).toEqual({ staleAfterMs: 15_000, offlineAfterMs: 60_000 });
    expect(instanceThresholds(60_000)).toEqual({ staleAfterMs: 180_000, offlineAfterMs: 600_000 });
    expect(instanceThresholds(1_000)).toEqual({ staleAfterMs: 15_000, offlineAfterMs: 60_000 });
    expect(instanceThresholds(null)).toEqual(instanceThresholds(INSTANCE_DEFAULT_INTERVAL_MS));
    const at = 1_000_000;
    expect(instanceStatusAt(at, 5_000, at + 14_999)).toBe('online');
    expect(instanceStatusAt(at, 5_000, at + 15_000)).toBe('stale');
    expect(instanceStatusAt(at, 5_000, at + 60_000)).toBe('offline');
    expect(instanceStatusAt(at, 60_000, at + 60_000)).toBe('online');
    // A report from the future (another clock) is online.
    expect(instanceStatusAt(at, 5_000, at - 10_000)).toBe('online');
  });
});
