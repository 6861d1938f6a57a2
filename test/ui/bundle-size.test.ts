import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { buildSizes, UI_BUDGET_GZIP_BYTES } from '../../scripts/ui-size';
import { ADMIN_BUILD, buildAdminPage } from './build-admin-page';

/** The admin page's size budget needs the build only, not a browser: it runs wherever npm test runs. */
jest.setTimeout(120_000);

it('the admin page build stays under its gzip budget (issue 6: 250 kB)', () => {
  if (!existsSync(path.join(ADMIN_BUILD, 'index.html'))) buildAdminPage();
  const { files, totalGzip } = buildSizes(ADMIN_BUILD);
  console.log(`admin page build: ${(totalGzip / 1000).toFixed(1)} kB gzipped in ${files.length} files`);
  expect(files.some((f) => f.file === 'index.html')).toBe(true);
  expect(totalGzip).toBeLessThan(UI_BUDGET_GZIP_BYTES);
});
