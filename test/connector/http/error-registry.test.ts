import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { API_ERRORS, API_ERROR_CODES, type ApiErrorCode } from '../../../contract';
import { WEBHOOK_ERROR_CODES, WebhookError } from '../../../connector/src/alerts/errors';
import { CONSUMER_ERROR_CODES, ConsumerError } from '../../../connector/src/consumers/errors';
import { CREDENTIAL_ERROR_CODES, CredentialError } from '../../../connector/src/credentials/errors';
import { DISCOVERY_ERROR_CODES, DiscoveryError } from '../../../connector/src/discovery/errors';
import { PairingError, type PairingErrorCode } from '../../../connector/src/forge/pairing';
import {
  CONSUMER_CODES,
  CREDENTIAL_CODES,
  DISCOVERY_CODES,
  FASTIFY_CODES,
  LINK_CODES,
  OAUTH_CODES,
  OUTBOUND_CODES,
  PAIRING_CODES,
  STORE_CODES,
  VAULT_CODES,
  WEBHOOK_CODES,
  toHttpError,
} from '../../../connector/src/http/error-handler';
import { LINK_ERROR_CODES, LinkError } from '../../../connector/src/links/errors';
import { OAuthError, type OAuthErrorCode } from '../../../connector/src/oauth';
import { OutboundError, type OutboundErrorCode } from '../../../connector/src/outbound/safe-http';
import { StoreError, type StoreErrorCode } from '../../../connector/src/storage/store';
import { VaultError, type VaultErrorCode } from '../../../connector/src/vault/errors';

/**
 * In the style of Fastify's `lib/errors.js` test: the registry of API codes, its documentation and
 * the one mapping from domain errors agree. A domain code added without a mapping fails here (and
 * does not compile); a registry code nobody can reach or nobody documented fails here too.
 */
const ROOT = path.resolve(__dirname, '../../..');

/** Domain codes that are a fault inside the connector (or its start-up), so a generic 500 is right. */
const INTERNAL_ON_PURPOSE = new Set(['STALE_KEY_VERSION', 'MASTER_KEY_INVALID', 'MASTER_KEY_MISMATCH', 'KEY_FILE_INSECURE', 'MASTER_KEY_MISSING']);

const domains: { name: string; codes: readonly string[]; build: (code: string) => Error; api: (code: string) => ApiErrorCode }[] = [
  { name: 'link', codes: LINK_ERROR_CODES, build: (c) => new LinkError(c as never, 'm'), api: (c) => LINK_CODES[c as keyof typeof LINK_CODES] },
  { name: 'consumer', codes: CONSUMER_ERROR_CODES, build: (c) => new ConsumerError(c as never, 'm'), api: (c) => CONSUMER_CODES[c as keyof typeof CONSUMER_CODES] },
  { name: 'credential', codes: CREDENTIAL_ERROR_CODES, build: (c) => new CredentialError(c as never, 'm'), api: (c) => CREDENTIAL_CODES[c as keyof typeof CREDENTIAL_CODES] },
  { name: 'webhook', codes: WEBHOOK_ERROR_CODES, build: (c) => new WebhookError(c as never, 'm'), api: (c) => WEBHOOK_CODES[c as keyof typeof WEBHOOK_CODES] },
  { name: 'discovery', codes: DISCOVERY_ERROR_CODES, build: (c) => new DiscoveryError(c as never, 'm'), api: (c) => DISCOVERY_CODES[c as keyof typeof DISCOVERY_CODES] },
  { name: 'pairing', codes: Object.keys(PAIRING_CODES), build: (c) => new PairingError(c as PairingErrorCode, 'm'), api: (c) => PAIRING_CODES[c as PairingErrorCode].api },
  { name: 'oauth', codes: Object.keys(OAUTH_CODES), build: (c) => new OAuthError(c as OAuthErrorCode, 'm', { operation: 'refresh_token' }), api: (c) => OAUTH_CODES[c as OAuthErrorCode] },
  { name: 'outbound', codes: Object.keys(OUTBOUND_CODES), build: (c) => new OutboundError(c as OutboundErrorCode, 'tcp' as never, 'm'), api: (c) => OUTBOUND_CODES[c as OutboundErrorCode] },
  { name: 'vault', codes: Object.keys(VAULT_CODES), build: (c) => new VaultError(c as VaultErrorCode, 'm'), api: (c) => VAULT_CODES[c as VaultErrorCode] },
  { name: 'store', codes: Object.keys(STORE_CODES), build: (c) => new StoreError(c as StoreErrorCode, 'm'), api: (c) => STORE_CODES[c as StoreErrorCode] },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('API error registry', () => {
  it('gives every code a 4xx or 5xx status and a message', () => {
    for (const code of API_ERROR_CODES) {
      expect(API_ERRORS[code].status).toBeGreaterThanOrEqual(400);
      expect(API_ERRORS[code].status).toBeLessThan(600);
      expect(API_ERRORS[code].message.length).toBeGreaterThan(5);
    }
  });

  it('is documented in docs/api-errors.md, code for code and status for status, with nothing extra', () => {
    const doc = readFileSync(path.join(ROOT, 'docs/api-errors.md'), 'utf8');
    const documented = new Map([...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]));
    expect([...documented.keys()].sort()).toEqual([...API_ERROR_CODES].sort());
    for (const code of API_ERROR_CODES) expect({ code, status: documented.get(code) }).toEqual({ code, status: API_ERRORS[code].status });
  });

  it.each(domains.map((d) => [d.name, d] as const))('maps every %s error code to a registry code, through the one error handler', (_name, domain) => {
    expect(domain.codes.length).toBeGreaterThan(0);
    for (const code of domain.codes) {
      const api = domain.api(code);
      expect({ code, known: api in API_ERRORS }).toEqual({ code, known: true });
      const http = toHttpError(domain.build(code));
      expect({ code, api: http.code, status: http.status }).toEqual({ code, api, status: API_ERRORS[api].status });
      if (!INTERNAL_ON_PURPOSE.has(code)) expect({ code, api }).not.toEqual({ code, api: 'INTERNAL' });
    }
  });

  it('lists each domain\'s codes once in its own table (the runtime lists and the mapping tables agree)', () => {
    expect([...LINK_ERROR_CODES].sort()).toEqual(Object.keys(LINK_CODES).sort());
    expect([...CONSUMER_ERROR_CODES].sort()).toEqual(Object.keys(CONSUMER_CODES).sort());
    expect([...CREDENTIAL_ERROR_CODES].sort()).toEqual(Object.keys(CREDENTIAL_CODES).sort());
    expect([...DISCOVERY_ERROR_CODES].sort()).toEqual(Object.keys(DISCOVERY_CODES).sort());
    expect([...WEBHOOK_ERROR_CODES].sort()).toEqual(Object.keys(WEBHOOK_CODES).sort());
  });

  it('maps Fastify\'s own errors to registry codes', () => {
    for (const [fastifyCode, api] of Object.entries(FASTIFY_CODES)) {
      const error = Object.assign(new Error('x'), { code: fastifyCode, statusCode: 400 });
      expect(toHttpError(error).code).toBe(api);
    }
  });

  it('reaches every registry code: each is the target of a mapping or raised by the HTTP layer itself', () => {
    const mapped = new Set<string>([...domains.flatMap((d) => d.codes.map((c) => d.api(c))), ...Object.values(FASTIFY_CODES), 'VALIDATION_FAILED', 'INTERNAL']);
    // Fastify's own 4xx without a code of ours: 404 and 405 keep their meaning.
    for (const statusCode of [404, 405, 400]) mapped.add(toHttpError(Object.assign(new Error('x'), { statusCode })).code);
    const raisedByHttp = new Set<string>();
    for (const file of sourceFiles(path.join(ROOT, 'connector/src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/new HttpError\('([A-Z_]+)'/g)) raisedByHttp.add(m[1]!);
      for (const m of readFileSync(file, 'utf8').matchAll(/code: '([A-Z_]+)', message/g)) raisedByHttp.add(m[1]!);
    }
    const unreachable = API_ERROR_CODES.filter((code) => !mapped.has(code) && !raisedByHttp.has(code));
    expect(unreachable).toEqual([]);
  });

  it('keeps domain services off the HTTP layer: only routes, the HTTP layer and channel plugins may use HttpError', () => {
    const offenders = sourceFiles(path.join(ROOT, 'connector/src'))
      .filter((file) => !/[/\\](routes|http[/\\]|forge[/\\]authenticator)/.test(path.relative(ROOT, file)))
      .filter((file) => /\bHttpError\b/.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(ROOT, file));
    expect(offenders).toEqual([]);
  });

  it('sends a domain error\'s own message and issues, and a generic message for INTERNAL with the cause kept for the log', () => {
    const link = toHttpError(new LinkError('LINK_INVALID', 'The link is not valid.', [{ path: 'outgoing.scopes', message: 'unknown scope' }]));
    expect(link).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, message: 'The link is not valid.', issues: [{ path: 'outgoing.scopes', message: 'unknown scope' }] });
    const unknown = new Error('secret detail');
    const internal = toHttpError(unknown);
    expect(internal).toMatchObject({ code: 'INTERNAL', status: 500 });
    expect(internal.message).not.toContain('secret detail');
    expect(internal.cause).toBe(unknown);
  });
});
