import { describe, expect, it } from 'vitest';
import type { PresenceMember } from '@neo/contracts';
import { MetricSeries, levelOf } from '../../app/utils/metric-series';
import { sortMembers } from '../../app/composables/usePresence';

const sample = (t: number, cpu = 10) => ({ t, cpu, memory: 0, disk: 0, networkIn: 0, networkOut: 0 });

describe('MetricSeries', () => {
  it('keeps a bounded, time-ordered window; late samples go in place; doubles are dropped', () => {
    const s = new MetricSeries(3);
    expect(s.push(sample(1))).toBe(true);
    expect(s.push(sample(3))).toBe(true);
    expect(s.push(sample(2))).toBe(true);
    expect(s.push(sample(2))).toBe(false);
    expect(s.samples.map((x) => x.t)).toEqual([1, 2, 3]);
    s.push(sample(4));
    expect(s.samples.map((x) => x.t)).toEqual([2, 3, 4]);
    expect(s.columns(['cpu'])).toEqual([[2, 3, 4], [10, 10, 10]]);
  });
});

describe('levelOf', () => {
  it.each([[0, 'ok'], [69.9, 'ok'], [70, 'warn'], [89.9, 'warn'], [90, 'critical'], [100, 'critical']])('%s %% is %s', (p, level) => {
    expect(levelOf(p)).toBe(level);
  });
});

describe('sortMembers', () => {
  const m = (userId: string, userName: string, status: PresenceMember['status']): PresenceMember => ({ userId, userName, status, currentPage: null, lastSeen: '2026-01-01T00:00:00Z', connections: status === 'offline' ? 0 : 1 });
  it('puts me first, then online > busy > away > offline, then by name', () => {
    const list = [m('4', 'Zoe', 'offline'), m('2', 'Beto', 'away'), m('3', 'Ana', 'busy'), m('1', 'Yo', 'offline'), m('5', 'Carla', 'online'), m('6', 'Álvaro', 'online')];
    expect(sortMembers(list, '1').map((x) => x.userName)).toEqual(['Yo', 'Álvaro', 'Carla', 'Ana', 'Beto', 'Zoe']);
  });
});
