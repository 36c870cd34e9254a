import { describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode, type PresenceMember } from '@neo/contracts';
import { ApiError, errorMessageOf } from '../../app/utils/api-error';
import esMX from '../../app/i18n/es-MX';
import en from '../../app/i18n/en';
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

describe('errorMessageOf: what a failed call says to the reader', () => {
  const problem = (status: number, code: ErrorCode, errors?: Array<{ path: string; message: string }>) =>
    new ApiError(status, { type: 'about:blank', title: ERRORS[code].title, status, code, detail: `developer text for ${code}`, ...(errors ? { errors } : {}) });

  it('never the service’s detail: the portal’s own words, by code where the reader can act, else by status', () => {
    expect(errorMessageOf(new TypeError('fetch failed'))).toEqual({ key: 'error.network' });
    expect(errorMessageOf(problem(401, 'ERR_LOGIN_FAILED'))).toEqual({ key: 'error.loginFailed' });
    expect(errorMessageOf(problem(404, 'ERR_LOGIN_DISABLED'))).toEqual({ key: 'error.loginDisabled' });
    expect(errorMessageOf(problem(401, 'ERR_AUTH_TOKEN_EXPIRED'))).toEqual({ key: 'error.session' });
    expect(errorMessageOf(problem(403, 'ERR_FORBIDDEN'))).toEqual({ key: 'error.forbidden' });
    expect(errorMessageOf(problem(404, 'ERR_NOT_FOUND'))).toEqual({ key: 'error.notFound' });
    expect(errorMessageOf(problem(429, 'ERR_RATE_LIMITED'))).toEqual({ key: 'error.busy' });
    expect(errorMessageOf(problem(503, 'ERR_DATABASE_UNAVAILABLE'))).toEqual({ key: 'error.unavailable' });
    expect(errorMessageOf(problem(400, 'ERR_BAD_JSON'))).toEqual({ key: 'error.invalid' });
    expect(errorMessageOf(problem(400, 'ERR_VALIDATION'))).toEqual({ key: 'error.invalid' });
  });

  it('a validation error names its fields once each, without where they travelled', () => {
    const err = problem(400, 'ERR_VALIDATION', [
      { path: 'body.email', message: 'Too small' },
      { path: 'body.password', message: 'Required' },
      { path: 'body.email', message: 'Invalid email' },
      { path: 'query', message: 'Unrecognized key' },
    ]);
    expect(errorMessageOf(err)).toEqual({ key: 'error.fields', params: { fields: 'email, password, query' } });
  });

  it('every code of the catalogue gets a text in both languages, none of them the service’s', () => {
    for (const code of Object.keys(ERRORS) as ErrorCode[]) {
      const { key } = errorMessageOf(problem(ERRORS[code].status, code));
      expect(esMX[key], code).toBeTruthy();
      expect(en[key], code).toBeTruthy();
      expect(esMX[key]).not.toContain(ERRORS[code].title);
    }
  });
});
