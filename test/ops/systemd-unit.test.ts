import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SHUTDOWN_GRACE_MS } from '../../connector/src/server';
import { SERVE_COMMAND } from '../../scripts/package/install-check';

/**
 * deploy/systemd/applinks-connector.service: checked by systemd's own `systemd-analyze verify`
 * where it exists, and read here for the promises the README makes about it.
 */
const ROOT = path.resolve(__dirname, '../..');
const UNIT = path.join(ROOT, 'deploy/systemd/applinks-connector.service');
const INSTALLED_BIN = `/usr/local/bin/${SERVE_COMMAND[0]}`;
const systemdAnalyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

/** `[Service]` etc. as key -> values (a key may repeat, as LoadCredential= does). */
function parseUnit(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1] as string;
      continue;
    }
    const eq = line.indexOf('=');
    const key = `${section}.${line.slice(0, eq)}`;
    settings.set(key, [...(settings.get(key) ?? []), line.slice(eq + 1)]);
  }
  return settings;
}

/**
 * systemd-analyze refuses an ExecStart= whose program does not exist, and this machine has no
 * installed connector: verify a copy whose ExecStart= names the repository's bin script instead.
 */
function verify(unitText: string): { status: number | null; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'systemd-unit-'));
  try {
    symlinkSync(path.join(ROOT, 'bin/applinks-connector.js'), path.join(dir, SERVE_COMMAND[0]));
    const file = path.join(dir, 'applinks-connector.service');
    writeFileSync(file, unitText.split(INSTALLED_BIN).join(path.join(dir, SERVE_COMMAND[0])));
    const result = spawnSync(systemdAnalyze as string, ['verify', '--man=no', file], { encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const unitText = readFileSync(UNIT, 'utf8');
const unit = parseUnit(unitText);

describe('the systemd unit', () => {
  if (systemdAnalyze === undefined) {
    it.skip('passes systemd-analyze verify (skipped: systemd-analyze is not installed on this machine)', () => undefined);
  } else {
    it('passes systemd-analyze verify without a warning', () => {
      expect(verify(unitText)).toEqual({ status: 0, output: '' });
    });

    it('would be failed by systemd-analyze verify for a setting systemd does not know', () => {
      const broken = verify(unitText.replace('ProtectSystem=strict', 'ProtectSystem=strict\nProtectSystm=strict'));
      expect(broken.output).toContain('ProtectSystm');
    });
  }

  it('runs the command the production install check runs', () => {
    expect(unit.get('Service.ExecStart')).toEqual([`${INSTALLED_BIN} ${SERVE_COMMAND.slice(1).join(' ')}`]);
  });

  it('passes the master key and operator token as credentials, never as environment values', () => {
    expect(unit.get('Service.LoadCredential')).toEqual(expect.arrayContaining([expect.stringMatching(/^master-key:\//), expect.stringMatching(/^admin-token:\//)]));
    const environment = unit.get('Service.Environment') ?? [];
    expect(environment).toEqual(expect.arrayContaining(['CONNECTOR_MASTER_KEY_FILE=%d/master-key', 'CONNECTOR_ADMIN_TOKEN_FILE=%d/admin-token']));
    expect(environment.filter((e) => /^(CONNECTOR_MASTER_KEY|CONNECTOR_ADMIN_TOKEN|DATABASE_URL)=/.test(e))).toEqual([]);
  });

  it('runs as a dynamic user with the store in its state directory and a read-only system', () => {
    expect(unit.get('Service.DynamicUser')).toEqual(['yes']);
    expect(unit.get('Service.StateDirectory')).toEqual(['applinks-connector']);
    expect(unit.get('Service.Environment')).toContain('CONNECTOR_DATA_DIR=%S/applinks-connector');
    expect(unit.get('Service.ProtectSystem')).toEqual(['strict']);
    expect(unit.get('Service.NoNewPrivileges')).toEqual(['yes']);
    expect(unit.get('Service.CapabilityBoundingSet')).toEqual(['']);
    // V8 needs writable-then-executable memory: this setting would stop Node at start.
    expect(unit.get('Service.MemoryDenyWriteExecute')).toBeUndefined();
  });

  it('restarts on failure and gives a stop more time than the connector drains for', () => {
    expect(unit.get('Service.Restart')).toEqual(['on-failure']);
    expect(unit.get('Service.KillSignal')).toEqual(['SIGTERM']);
    const stop = /^(\d+)s$/.exec(unit.get('Service.TimeoutStopSec')?.[0] ?? '');
    expect(Number(stop?.[1]) * 1000).toBeGreaterThan(SHUTDOWN_GRACE_MS);
  });
});
