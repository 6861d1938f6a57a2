/**
 * The Prometheus rules shipped in deploy/prometheus are valid (`promtool check rules`), fire as
 * their unit tests say (`promtool test rules`), and read metrics the connector serves.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestConnector } from '../helpers/connector-app';
import { describeWithTools } from '../helpers/required-tools';

const DIR = path.resolve(__dirname, '../../deploy/prometheus');
const run = promisify(execFile);

describeWithTools('promtool')('deploy/prometheus/applinks-rules.yml', () => {
  it('passes promtool check rules and its unit tests (promtool test rules)', async () => {
    const checked = await run('promtool', ['check', 'rules', 'applinks-rules.yml'], { cwd: DIR });
    expect(checked.stdout).toContain('SUCCESS: 3 rules found');
    const tested = await run('promtool', ['test', 'rules', 'applinks-rules.test.yml'], { cwd: DIR });
    expect(tested.stdout).toContain('SUCCESS');
  });

  it('reads only metrics the connector serves', async () => {
    const used = new Set(readFileSync(path.join(DIR, 'applinks-rules.yml'), 'utf8').match(/applinks_[a-z_]+/g));
    expect([...used].sort()).toEqual(['applinks_link_expiry_timestamp_seconds', 'applinks_link_failing', 'applinks_link_needs_reauthorization']);
    const connector = await startTestConnector();
    try {
      const metrics = (await connector.request({ method: 'GET', url: '/metrics', token: null })).body;
      for (const name of used) expect(metrics).toContain(`# TYPE ${name} gauge`);
    } finally {
      await connector.close();
    }
  });
});
