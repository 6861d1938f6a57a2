import {
  DIAGNOSTIC_CODES,
  REMOTE_PRESETS,
  compareVersions,
  kindForManifestTypeId,
  type DiagnosticCode,
  type ProbeInput,
  type ProbeResult,
  type RemoteManifest,
} from '../../../contract';
import { OutboundError, type SafeHttp } from '../outbound/safe-http';
import { DiscoveryError } from './errors';
import { fetchManifest, normalizeBase } from './manifest';
import { fetchOAuthMetadata } from './oauth-metadata';

export { fetchOAuthMetadata } from './oauth-metadata';

export interface ProbeTimeouts {
  connectTimeoutMs: number;
  timeoutMs: number;
}

export const DEFAULT_PROBE_TIMEOUTS: ProbeTimeouts = { connectTimeoutMs: 5_000, timeoutMs: 10_000 };

/** True when two base URLs name the same place (scheme, host, port and path; case-insensitive host). */
export function sameBase(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.origin === y.origin && x.pathname.replace(/\/+$/, '') === y.pathname.replace(/\/+$/, '');
  } catch {
    return a === b;
  }
}

/** Whether a manifest's version has OAuth 2.0 application links (DESIGN section 3's table). */
export function oauth2Support(manifest: RemoteManifest): { supported: boolean | null; minimumVersion: string | null } {
  const kind = kindForManifestTypeId(manifest.typeId);
  const minimumVersion = kind === undefined ? null : (REMOTE_PRESETS[kind].minimumVersion ?? null);
  if (minimumVersion === null || manifest.version === null) return { supported: null, minimumVersion };
  return { supported: compareVersions(manifest.version, minimumVersion) >= 0, minimumVersion };
}

/**
 * `POST /v1/probe`: what answers at a URL. The URL policy applies (an internal address is refused
 * with HOST_NOT_ALLOWED, before any packet leaves); everything after that is reported, not thrown,
 * so the admin page can show the reason next to the URL field.
 */
export async function probeUrl(http: SafeHttp, input: ProbeInput, timeouts: ProbeTimeouts = DEFAULT_PROBE_TIMEOUTS): Promise<ProbeResult> {
  let url: URL;
  try {
    url = http.checkUrl(input.url.trim());
  } catch (error) {
    throw policyError(error);
  }
  const base = normalizeBase(url);
  const empty: ProbeResult = {
    url: base,
    code: 'OK',
    message: '',
    hint: '',
    atlassian: false,
    kind: null,
    typeId: null,
    name: null,
    version: null,
    buildNumber: null,
    displayUrl: null,
    displayUrlDiffers: false,
    oauth2: { supported: null, minimumVersion: null, metadata: null },
    redirected: false,
    location: null,
  };
  if (input.kind !== undefined && !REMOTE_PRESETS[input.kind].servesApplinksManifest) {
    // A custom provider's endpoints are not known in advance: what its metadata publishes fills them.
    if (REMOTE_PRESETS[input.kind].endpoints === null) return withMetadata(empty, await fetchOAuthMetadata(http, base, timeouts));
    return { ...empty, message: `${REMOTE_PRESETS[input.kind].label} serves no applinks manifest; nothing to probe.` };
  }
  try {
    const outcome = await fetchManifest(http, base, timeouts);
    if (outcome.kind === 'redirect') {
      return {
        ...empty,
        ...diagnosis('URL_REDIRECTED', `${base} redirects${outcome.location === null ? '' : ` to ${outcome.location}`} (HTTP ${outcome.status}).`),
        redirected: true,
        location: outcome.location,
      };
    }
    if (outcome.kind === 'not-atlassian') {
      // Not an Atlassian application: perhaps an OAuth 2.0 provider (seed 003), whose metadata says so.
      const notAtlassian = { ...empty, ...diagnosis('NOT_ATLASSIAN', `${base} serves no applinks manifest (HTTP ${outcome.status}).`) };
      return withMetadata(notAtlassian, await fetchOAuthMetadata(http, base, timeouts));
    }
    const m = outcome.manifest;
    const kind = kindForManifestTypeId(m.typeId) ?? null;
    const metadata = await fetchOAuthMetadata(http, base, timeouts);
    const versionSupport = oauth2Support(m);
    // A manifest without a version says nothing; a metadata document says the server is there.
    const support = { ...versionSupport, supported: versionSupport.supported ?? (metadata === null ? null : true), metadata };
    const displayUrlDiffers = !sameBase(m.url, base);
    let code: DiagnosticCode = 'OK';
    let message = `${[m.name ?? m.typeId, m.version].filter((part) => part !== null).join(' ')} at ${base}.`;
    if (support.supported === false) {
      code = 'VERSION_UNSUPPORTED';
      message = `${m.name ?? m.typeId} ${m.version ?? ''} has no OAuth 2.0 application links: they need ${support.minimumVersion ?? 'a newer version'} or later.`;
    } else if (input.kind !== undefined && kind !== null && kind !== input.kind) {
      code = 'KIND_MISMATCH';
      message = `${base} is ${REMOTE_PRESETS[kind].label}, not ${REMOTE_PRESETS[input.kind].label}.`;
    } else if (displayUrlDiffers) {
      code = 'DISPLAY_URL_MISMATCH';
      message = `The remote calls itself ${m.url}, not ${base}: confirm which URL users reach.`;
    }
    return {
      ...empty,
      code,
      message,
      hint: DIAGNOSTIC_CODES[code].hint,
      atlassian: true,
      kind,
      typeId: m.typeId,
      name: m.name,
      version: m.version,
      buildNumber: m.buildNumber,
      displayUrl: m.url,
      displayUrlDiffers,
      oauth2: support,
    };
  } catch (error) {
    if (error instanceof OutboundError) {
      if (error.code === 'HOST_NOT_ALLOWED' || error.code === 'URL_INSECURE' || error.code === 'URL_INVALID') throw policyError(error);
      const code: DiagnosticCode = error.code === 'RESPONSE_TOO_LARGE' || error.code === 'HTTP_FAILED' ? 'NOT_ATLASSIAN' : error.code;
      return { ...empty, ...diagnosis(code, error.message) };
    }
    throw error;
  }
}

/** A result with the provider metadata found (or not): a published metadata document says an OAuth 2.0 server is there. */
function withMetadata(result: ProbeResult, metadata: ProbeResult['oauth2']['metadata']): ProbeResult {
  if (metadata === null) return result;
  return { ...result, oauth2: { ...result.oauth2, supported: true, metadata } };
}

function diagnosis(code: DiagnosticCode, message: string): { code: DiagnosticCode; message: string; hint: string } {
  return { code, message, hint: DIAGNOSTIC_CODES[code].hint };
}

/** The URL policy's refusals are the caller's mistake, about the `url` it gave. */
export function policyError(error: unknown): unknown {
  if (!(error instanceof OutboundError)) return error;
  const issue = [{ path: 'url', message: error.message }];
  if (error.code === 'HOST_NOT_ALLOWED') return new DiscoveryError('PROBE_HOST_NOT_ALLOWED', error.message, issue);
  if (error.code === 'URL_INSECURE') return new DiscoveryError('PROBE_URL_INSECURE', error.message, issue);
  if (error.code === 'URL_INVALID') return new DiscoveryError('PROBE_URL_INVALID', error.message, issue);
  return error;
}
