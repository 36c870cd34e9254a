import { describe, expect, it } from 'vitest';
import { AlertEvaluator, type AlertRule } from '../../src/monitoring/alert-rules';

const cpu: AlertRule = { id: 'cpu_high', metric: 'cpu', warning: 80, critical: 95, forSeconds: 30, hysteresis: 5, message: 'CPU {value} > {threshold}' };
const at = (s: number) => s * 1000;

describe('AlertEvaluator', () => {
  it('opens once after the value stays over the threshold for the duration', () => {
    const e = new AlertEvaluator([cpu]);
    expect(e.evaluate({ cpu: 85 }, at(0))).toEqual([]);
    expect(e.evaluate({ cpu: 86 }, at(15))).toEqual([]);
    expect(e.evaluate({ cpu: 87 }, at(30))).toMatchObject([{ kind: 'open', severity: 'warning', value: 87, threshold: 80 }]);
    expect(e.evaluate({ cpu: 88 }, at(35))).toEqual([]);
    expect(e.evaluate({ cpu: 89 }, at(40))).toEqual([]);
  });

  it('does not open on a spike shorter than the duration', () => {
    const e = new AlertEvaluator([cpu]);
    e.evaluate({ cpu: 99 }, at(0));
    expect(e.evaluate({ cpu: 50 }, at(10))).toEqual([]);
    expect(e.evaluate({ cpu: 99 }, at(20))).toEqual([]);
    expect(e.evaluate({ cpu: 99 }, at(45))).toEqual([]);
    expect(e.evaluate({ cpu: 99 }, at(50))).toMatchObject([{ kind: 'open', severity: 'critical' }]);
  });

  it('updates severity while open, and resolves only below the hysteresis band', () => {
    const e = new AlertEvaluator([cpu]);
    e.evaluate({ cpu: 85 }, at(0));
    e.evaluate({ cpu: 85 }, at(30));
    expect(e.evaluate({ cpu: 97 }, at(35))).toMatchObject([{ kind: 'updated', severity: 'critical' }]);
    expect(e.evaluate({ cpu: 90 }, at(40))).toMatchObject([{ kind: 'updated', severity: 'warning' }]);
    expect(e.evaluate({ cpu: 78 }, at(45))).toEqual([]); // under 80 but within the band: still open
    expect(e.openAlerts()).toEqual([{ ruleId: 'cpu_high', severity: 'warning' }]);
    expect(e.evaluate({ cpu: 74 }, at(50))).toMatchObject([{ kind: 'resolved', severity: 'warning', value: 74 }]);
    expect(e.evaluate({ cpu: 70 }, at(55))).toEqual([]);
    expect(e.openAlerts()).toEqual([]);
  });

  it('ignores samples without the metric', () => {
    const e = new AlertEvaluator([cpu]);
    expect(e.evaluate({ memory: 99 }, at(0))).toEqual([]);
  });
});
