import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
// `yaml` is installed as a dependency of @forge/manifest, not a direct dependency of this project:
// no Docker engine, helm binary or cluster runs here, so parsing is what can be checked.
import { parse, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { SERVE_COMMAND } from '../../scripts/package/install-check';

/**
 * deploy/docker/Dockerfile and deploy/helm/applinks-connector, checked with what runs here: the
 * image's command is the one `npm run test:install` runs; the chart's values satisfy its schema
 * (and the schema refuses what it should); every template is YAML with the promised objects.
 */
const ROOT = path.resolve(__dirname, '../..');
const CHART = path.join(ROOT, 'deploy/helm/applinks-connector');
const dockerfile = readFileSync(path.join(ROOT, 'deploy/docker/Dockerfile'), 'utf8');

/** Dockerfile instructions with their continuation lines joined, comments dropped. */
function instructions(text: string): { op: string; args: string }[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: (op as string).toUpperCase(), args: rest.join(' ') };
    });
}

describe('the container image definition', () => {
  const ops = instructions(dockerfile);
  const last = (op: string) => ops.filter((i) => i.op === op).at(-1)?.args;

  it('runs the command the production install check runs, as JSON (exec form, so SIGTERM reaches Node)', () => {
    expect(JSON.parse(last('CMD') ?? 'null')).toEqual([...SERVE_COMMAND]);
    expect(ops.filter((i) => i.op === 'ENTRYPOINT')).toEqual([]);
  });

  it('installs the packaged connector with production dependencies only, in a stage of its own', () => {
    expect(ops.filter((i) => i.op === 'FROM').length).toBeGreaterThanOrEqual(3);
    expect(ops.some((i) => i.op === 'RUN' && i.args.includes('npm run package:connector'))).toBe(true);
    expect(ops.some((i) => i.op === 'RUN' && /tar xzf .*applinks-connector.*&& npm ci --omit=dev/.test(i.args))).toBe(true);
    // The final stage copies the installed folder, never the repository or its node_modules.
    const finalStage = ops.slice(ops.map((i) => i.op).lastIndexOf('FROM'));
    expect(finalStage.filter((i) => i.op === 'COPY').map((i) => i.args)).toEqual(['--from=install /opt/applinks-connector /opt/applinks-connector']);
  });

  it('runs as a non-root user by number, with a volume for the data folder and a health check on /healthz', () => {
    expect(last('USER')).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    const dataDir = /CONNECTOR_DATA_DIR=(\S+)/.exec(last('ENV') ?? '')?.[1];
    expect(JSON.parse(last('VOLUME') ?? 'null')).toEqual([dataDir]);
    expect(last('HEALTHCHECK')).toMatch(/CMD \[.*\/healthz/);
    expect(last('STOPSIGNAL')).toBe('SIGTERM');
  });
});

/**
 * Helm templates are Go templates, not YAML. Without a helm binary, each template is read as YAML
 * once its template actions are set aside: lines that are only an action (`{{- if ... }}`,
 * `{{- include ... | nindent 4 }}`) are dropped and inline actions become a placeholder string.
 */
function templateDocuments(file: string): Record<string, unknown>[] {
  const text = readFileSync(path.join(CHART, 'templates', file), 'utf8')
    .split('\n')
    .filter((line) => !/^\s*\{\{-?[^}]*\}\}\s*$/.test(line))
    .map((line) => line.replace(/\{\{-?.*?-?\}\}/g, 'TEMPLATED'))
    .join('\n');
  return parseAllDocuments(text).map((doc) => {
    expect(doc.errors).toEqual([]);
    return doc.toJSON() as Record<string, unknown>;
  }).filter((d) => d !== null);
}

describe('the Helm chart', () => {
  const schema = z.fromJSONSchema(JSON.parse(readFileSync(path.join(CHART, 'values.schema.json'), 'utf8')));
  const values = parse(readFileSync(path.join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const objects = readdirSync(path.join(CHART, 'templates'))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap(templateDocuments);
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

  it('has a Chart.yaml whose appVersion is the package version', () => {
    const chart = parse(readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, string>;
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'applinks-connector', appVersion: pkg.version });
  });

  it('ships values.yaml that its values.schema.json accepts', () => {
    const result = schema.safeParse(values);
    expect(result.success ? 'valid' : result.error.issues).toBe('valid');
    expect(values.replicaCount).toBeGreaterThan(1);
  });

  it.each([
    ['a plain-http public URL', { publicUrl: 'http://connector.example.com' }],
    ['no replica', { replicaCount: 0 }],
    ['a misspelled setting', { replicaCont: 3 }],
    ['a database URL that is not PostgreSQL', { secrets: { databaseUrl: 'mysql://db/applinks' } }],
    ['a short master key', { secrets: { masterKey: 'c2hvcnQ=' } }],
  ])('refuses values with %s', (_what, patch) => {
    expect(schema.safeParse({ ...values, ...patch }).success).toBe(false);
  });

  it('renders a Deployment of the image, probed on /healthz and /readyz, non-root on a read-only root file system', () => {
    const [deployment] = byKind('Deployment') as { spec: { template: { spec: Record<string, any> }; strategy: unknown } }[];
    const pod = deployment!.spec.template.spec;
    const [container] = pod.containers as Record<string, any>[];
    expect(container!.command).toBeUndefined();
    expect(container!.args).toBeUndefined();
    expect(container!.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container!.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container!.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(pod.terminationGracePeriodSeconds).toBe('TEMPLATED');
    expect(values.terminationGracePeriodSeconds).toBeGreaterThan(10 + (values.preStopSleepSeconds as number));
    expect(deployment!.spec.strategy).toMatchObject({ rollingUpdate: { maxUnavailable: 0 } });
  });

  it('passes the master key, operator token and database URL as secret files, never as plain env values', () => {
    const [deployment] = byKind('Deployment') as Record<string, any>[];
    const pod = deployment!.spec.template.spec;
    const env = Object.fromEntries((pod.containers[0].env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
    for (const name of ['CONNECTOR_MASTER_KEY', 'CONNECTOR_ADMIN_TOKEN', 'DATABASE_URL']) {
      expect(env[name]).toBeUndefined();
      expect(env[`${name}_FILE`]).toMatch(/^\/run\/secrets\/applinks-connector\//);
    }
    const secretVolume = (pod.volumes as Record<string, any>[]).find((v) => v.secret !== undefined);
    expect(secretVolume!.secret.defaultMode & 0o007).toBe(0);
    const [secret] = byKind('Secret') as Record<string, any>[];
    const mounted = Object.values(env).filter((v) => v.startsWith('/run/secrets/')).map((v) => path.basename(v));
    expect(Object.keys(secret!.stringData).sort()).toEqual(mounted.sort());
  });

  it('renders a Service on the named port and a PodDisruptionBudget', () => {
    const [service] = byKind('Service') as Record<string, any>[];
    expect(service!.spec.ports[0].targetPort).toBe('http');
    expect(byKind('PodDisruptionBudget')).toHaveLength(1);
  });
});
