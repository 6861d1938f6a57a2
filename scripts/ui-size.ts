import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * Prints the admin page's build size, file by file, raw and gzipped, and fails when the total
 * gzipped size passes the budget (issue 6: under 250 kB).
 */
export const UI_BUDGET_GZIP_BYTES = 250 * 1000;

export function buildSizes(dir: string): { files: { file: string; bytes: number; gzip: number }[]; totalGzip: number } {
  const files: { file: string; bytes: number; gzip: number }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const data = readFileSync(full);
        files.push({ file: path.relative(dir, full), bytes: data.length, gzip: gzipSync(data, { level: 9 }).length });
      }
    }
  };
  walk(dir);
  return { files, totalGzip: files.reduce((sum, f) => sum + f.gzip, 0) };
}

if (require.main === module) {
  const dir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', '..', 'static', 'admin', 'build'));
  const { files, totalGzip } = buildSizes(dir);
  for (const f of files) console.log(`${f.file.padEnd(48)} ${(f.bytes / 1000).toFixed(1).padStart(8)} kB  ${(f.gzip / 1000).toFixed(1).padStart(7)} kB gzip`);
  console.log(`admin page total: ${(totalGzip / 1000).toFixed(1)} kB gzipped (budget ${UI_BUDGET_GZIP_BYTES / 1000} kB)`);
  if (totalGzip > UI_BUDGET_GZIP_BYTES) {
    console.error('The admin page is over its size budget.');
    process.exit(1);
  }
}
