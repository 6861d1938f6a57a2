import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * `npm run forge:configure -- --app-id <id> --connector-url <https URL> [--manifest manifest.yml]`
 *
 * Writes a customer's Forge app id (from `forge register`) and the connector's public URL into
 * manifest.yml. It edits the two lines in place, so the manifest's comments and layout survive.
 */

export class ConfigureError extends Error {
  override readonly name = 'ConfigureError';
}

export interface ForgeSettings {
  appId: string;
  connectorUrl: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const APP_ARI_PREFIX = 'ari:cloud:ecosystem::app/';

/** The app's ARI, from the ARI itself or the bare UUID `forge register` prints. */
export function normalizeAppId(input: string): string {
  const value = input.trim();
  const uuid = value.startsWith(APP_ARI_PREFIX) ? value.slice(APP_ARI_PREFIX.length) : value;
  if (!UUID.test(uuid)) throw new ConfigureError(`--app-id must be the app's id, ${APP_ARI_PREFIX}<uuid> or the uuid alone (got "${input}").`);
  return `${APP_ARI_PREFIX}${uuid.toLowerCase()}`;
}

/** Forge Remote calls public HTTPS endpoints only; the base URL has no query, fragment or credentials. */
export function normalizeConnectorUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new ConfigureError(`--connector-url must be an absolute URL (got "${input}").`);
  }
  if (url.protocol !== 'https:') throw new ConfigureError('--connector-url must use https: Forge only calls remotes over HTTPS.');
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new ConfigureError('--connector-url must not carry credentials, a query or a fragment.');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The manifest text with the app id and the connector remote's base URL replaced. */
export function configureManifest(text: string, settings: ForgeSettings): string {
  const appId = normalizeAppId(settings.appId);
  const connectorUrl = normalizeConnectorUrl(settings.connectorUrl);
  const lines = text.split('\n');

  const app = blockOf(lines, /^app:\s*$/, 'app');
  const idLine = findLine(lines, app, /^ {2}id:\s*/, 'app.id');
  lines[idLine] = `  id: ${appId}`;

  const remotes = blockOf(lines, /^remotes:\s*$/, 'remotes');
  const connectorItem = findLine(lines, remotes, /^ {2}- key:\s*connector\s*$/, 'the remote with key "connector"');
  const itemEnd = lines.findIndex((line, i) => i > connectorItem && i < remotes.end && /^ {2}- /.test(line));
  const baseUrlLine = findLine(lines, { start: connectorItem, end: itemEnd === -1 ? remotes.end : itemEnd }, /^ {4}baseUrl:\s*/, 'remotes[connector].baseUrl');
  lines[baseUrlLine] = `    baseUrl: ${connectorUrl}`;

  return lines.join('\n');
}

interface Block {
  start: number;
  end: number;
}

/** A top-level key's lines: from its line to the next top-level key. */
function blockOf(lines: string[], header: RegExp, name: string): Block {
  const start = lines.findIndex((line) => header.test(line));
  if (start === -1) throw new ConfigureError(`manifest.yml has no top-level "${name}:" section.`);
  const next = lines.findIndex((line, i) => i > start && /^[A-Za-z]/.test(line));
  return { start, end: next === -1 ? lines.length : next };
}

function findLine(lines: string[], block: Block, pattern: RegExp, name: string): number {
  for (let i = block.start; i < block.end; i += 1) {
    if (pattern.test(lines[i] ?? '')) return i;
  }
  throw new ConfigureError(`manifest.yml has no ${name} where this script expects it.`);
}

export function parseArguments(argv: readonly string[]): ForgeSettings & { manifest: string } {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const match = /^--(app-id|connector-url|manifest)(?:=(.*))?$/.exec(arg);
    if (match === null) throw new ConfigureError(`Unknown argument "${arg}".`);
    const value = match[2] ?? argv[(i += 1)];
    if (value === undefined || value === '') throw new ConfigureError(`--${match[1]} needs a value.`);
    values.set(match[1] ?? '', value);
  }
  const appId = values.get('app-id');
  const connectorUrl = values.get('connector-url');
  if (appId === undefined || connectorUrl === undefined) throw new ConfigureError('Both --app-id and --connector-url are required.');
  return { appId, connectorUrl, manifest: values.get('manifest') ?? 'manifest.yml' };
}

function readManifest(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ConfigureError(`Cannot read ${file} (${typeof code === 'string' ? code : 'unreadable'}): run this in the repository root or pass --manifest.`);
  }
}

const USAGE = 'Usage: npm run forge:configure -- --app-id <ari:cloud:ecosystem::app/uuid> --connector-url <https://connector.example.com> [--manifest manifest.yml]';

export function main(argv: readonly string[], out: (line: string) => void = console.log): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(USAGE);
    return 0;
  }
  try {
    const args = parseArguments(argv);
    const file = path.resolve(args.manifest);
    const updated = configureManifest(readManifest(file), args);
    writeFileSync(file, updated);
    out(`Updated ${file}:`);
    out(`  app.id                     ${normalizeAppId(args.appId)}`);
    out(`  remotes[connector].baseUrl ${normalizeConnectorUrl(args.connectorUrl)}`);
    out('Next: forge deploy --environment production, then forge install --product jira --site <your-site>.atlassian.net');
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigureError)) throw error;
    out(error.message);
    out(USAGE);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
