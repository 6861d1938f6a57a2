import { framePage } from '../../preview/frame';
import { PREVIEW_SURFACES } from '../../preview/surfaces';
import { PREVIEW_USERS } from '../../preview/users';

/**
 * The preview's frame draws Jira's settings sidebar around the app. Its "Application links
 * (legacy)" entry is Jira's own page, which the preview does not have: it used to look like a
 * working entry and do nothing when clicked; now it says what it is and is marked unavailable.
 */
describe("the preview frame's sidebar", () => {
  const html = framePage({ surface: PREVIEW_SURFACES[0]!, user: PREVIEW_USERS[0]!, theme: 'light', connectorUrl: 'http://127.0.0.1:8791' });
  const entries = [...html.matchAll(/<div class="([^"]*)"([^>]*)>(.*?)<\/div>/g)].map(([, cls, attrs, body]) => ({ cls, attrs, body }));

  it("marks the legacy application links entry as Jira's own page, not in the preview", () => {
    const legacy = entries.find((e) => e.body?.startsWith('Application links (legacy)'));
    expect(legacy).toBeDefined();
    expect(legacy!.cls).toBe('jira-page');
    expect(legacy!.attrs).toContain('aria-disabled="true"');
    expect(legacy!.attrs).toContain(`title="Application links (legacy) is Jira's own page, not part of this app: it is not in the local preview"`);
    expect(legacy!.body).toContain("<small>Jira's own page · not in the preview</small>");
  });

  it('leaves the app itself as the one current, working entry', () => {
    expect(entries.filter((e) => e.cls === 'current').map((e) => e.body)).toEqual(['OAuth 2.0 application links']);
    expect(entries.filter((e) => e.cls !== 'current').every((e) => e.cls === 'jira-page')).toBe(true);
  });
});
