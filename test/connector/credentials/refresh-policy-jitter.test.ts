import { computeRefreshAt, DEFAULT_REFRESH_POLICY } from '../../../connector/src/credentials/refresh-policy';

/**
 * The jitter of a scheduled refresh is bounded by a quarter of the margin, so a short-lived token's
 * refresh is spread without being pulled far ahead of its margin (a mutant moved the bound to four
 * margins and no test noticed).
 */
describe('refresh jitter', () => {
  it('is at most a quarter of the margin for a short-lived token', () => {
    // 100 s lifetime: margin 20 s (a fifth), so the jitter is at most 5 s, well under the 60 s setting.
    expect(computeRefreshAt(0, 100_000, DEFAULT_REFRESH_POLICY, () => 1)).toBe(75_000);
    expect(computeRefreshAt(0, 100_000, DEFAULT_REFRESH_POLICY, () => 0)).toBe(80_000);
    expect(computeRefreshAt(0, 100_000, DEFAULT_REFRESH_POLICY, () => 0.5)).toBe(77_500);
  });

  it('is at most the jitter setting for a long-lived token', () => {
    // 1 hour: margin 5 min, a quarter of it (75 s) is over the 60 s setting, which wins.
    expect(computeRefreshAt(0, 3_600_000, DEFAULT_REFRESH_POLICY, () => 1)).toBe(3_600_000 - 300_000 - 60_000);
  });
});
