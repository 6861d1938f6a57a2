import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from '../helpers/browser';

export const ADMIN_BUILD = path.join(ROOT, 'static', 'admin', 'build');

/** Builds the admin page with the repository's own Vite, as `npm run build:ui` does (without the size print). */
export function buildAdminPage(): void {
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'static/admin/vite.config.mts'], { cwd: ROOT, stdio: 'inherit' });
}
