import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * The layering README promises, checked rather than hoped for: dependency-cruiser with the rules in
 * .dependency-cruiser.cjs over every source folder of both deployables and the contract.
 */
const ROOT = path.join(__dirname, '..', '..');
const CRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const SOURCES = ['connector/src', 'src', 'contract', 'static/admin/src', 'preview', 'scripts'];

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
  cycle?: { name: string }[];
}

function cruise(cwd: string, folders: string[]): { violations: Violation[]; modules: number } {
  let out: string;
  try {
    out = execFileSync(process.execPath, [CRUISE, '--config', '.dependency-cruiser.cjs', '--output-type', 'json', ...folders], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    // dependency-cruiser exits non-zero when it finds violations; its JSON is still on stdout.
    out = (error as { stdout?: string }).stdout ?? '';
    if (out === '') throw error;
  }
  const result = JSON.parse(out) as { summary: { violations: Violation[]; totalCruised: number } };
  return { violations: result.summary.violations, modules: result.summary.totalCruised };
}

const describeViolation = (v: Violation): string =>
  `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (circle: ${v.cycle.map((c) => c.name).join(' -> ')})` : ''}`;

jest.setTimeout(60_000);

it('the code keeps every layering rule: no circle, no upward import, nothing across deployables but contract/', () => {
  const { violations, modules } = cruise(ROOT, SOURCES);
  expect(modules).toBeGreaterThan(100);
  expect(violations.map(describeViolation)).toEqual([]);
});

it('the rules do catch a circle, an upward import, a domain error thrown through HTTP and a cross-deployable import', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'layers-'));
  try {
    const files: Record<string, string> = {
      'connector/src/storage/links.ts': "import { LinkService } from '../links/service';\nexport const store = LinkService;\n",
      'connector/src/links/service.ts': "import { HttpError } from '../http/errors';\nexport class LinkService { e = HttpError; }\n",
      'connector/src/http/errors.ts': 'export class HttpError {}\n',
      'connector/src/credentials/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'connector/src/credentials/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
      'src/resolvers/index.ts': "import { store } from '../../connector/src/storage/links';\nexport const r = store;\n",
      'contract/links.ts': "import { r } from '../src/resolvers/index';\nexport const c = r;\n",
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    copyFileSync(path.join(ROOT, '.dependency-cruiser.cjs'), path.join(dir, '.dependency-cruiser.cjs'));
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'commonjs', moduleResolution: 'node' } }));
    const rules = new Set(cruise(dir, ['connector', 'src', 'contract']).violations.map((v) => v.rule.name));
    expect([...rules].sort()).toEqual(
      expect.arrayContaining(['contract-stands-alone', 'domain-not-http', 'forge-not-connector', 'lower-not-services', 'no-circular', 'storage-at-the-bottom']),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
