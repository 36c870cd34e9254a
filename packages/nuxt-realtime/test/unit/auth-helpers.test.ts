import { describe, expect, it } from 'vitest';
import { refreshMarginMs } from '../../app/utils/token-provider';
import { safeRedirect } from '../../server/utils/oidc';

describe('safeRedirect (where the OIDC login sends the browser back)', () => {
  it('keeps a path of this app', () => {
    expect(safeRedirect('/deployments/dep-1?x=1')).toBe('/deployments/dep-1?x=1');
    expect(safeRedirect('/')).toBe('/');
  });
  it('refuses anything that would leave the app (open redirect)', () => {
    for (const target of ['https://evil.test/', '//evil.test/x', '/\\evil.test', 'javascript:alert(1)', '', 42, undefined, ['/a']]) {
      expect(safeRedirect(target)).toBe('/');
    }
  });
});

describe('refreshMarginMs (when a token is renewed before its expiry)', () => {
  it('a third of the lifetime for short tokens', () => {
    expect(refreshMarginMs(0, 30_000)).toBe(10_000);
  });
  it('at most one minute for long ones', () => {
    expect(refreshMarginMs(0, 3_600_000)).toBe(60_000);
  });
  it('zero for a token received already expired (renewed at once)', () => {
    expect(refreshMarginMs(10_000, 5_000)).toBe(0);
  });
});
