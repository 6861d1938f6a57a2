import { REMOTE_PRESETS, type ProbeResult, type RemoteKind } from '../../../../../contract';

/**
 * The rule of DESIGN section 3 (minimum versions for OAuth 2.0 links) as the wizard applies it:
 * what the probe found decides for the kind it found. `blocked` says why OAuth 2.0 cannot be
 * chosen; `unverified` that the kind has a minimum the probe could not check (the review warns).
 */
export function versionRule(kind: RemoteKind, probe: ProbeResult | undefined): { blocked: string | null; unverified: string | null } {
  const preset = REMOTE_PRESETS[kind];
  const minimum = preset.minimumVersion;
  if (minimum === undefined) return { blocked: null, unverified: null };
  if (probe !== undefined && probe.kind === kind && probe.oauth2.supported === false) {
    return { blocked: `${preset.label} ${probe.version ?? ''} has no OAuth 2.0 application links: they need ${minimum} or later.`, unverified: null };
  }
  if (probe !== undefined && probe.kind === kind && probe.version !== null) return { blocked: null, unverified: null };
  return { blocked: null, unverified: `OAuth 2.0 application links need ${preset.label} ${minimum} or later, and the version at this URL could not be read. The test at the end checks it.` };
}
