import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The package version, read once; the connector reports it in OpenAPI and `--version`. */
function readVersion(): string {
  for (const candidate of [path.join(__dirname, '../../package.json'), path.join(__dirname, '../../../package.json')]) {
    try {
      const parsed = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      // The repository's package, or the installable one built by `npm run package:connector`.
      if ((parsed.name === 'applinks-oauth2' || parsed.name === 'applinks-connector') && typeof parsed.version === 'string') return parsed.version;
    } catch {
      // not this one
    }
  }
  return '0.0.0';
}

export const CONNECTOR_VERSION = readVersion();
