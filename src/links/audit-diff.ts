import { MANUAL_EXCHANGE_STEPS, type AuditChange } from '../../contract';
import type { LinkRecord } from './link-record';

type Value = AuditChange['from'];

/**
 * The fields an admin changes, as they appear in the audit log. Secrets are not among the
 * record's fields at all; their fingerprints' timestamps tell that a secret was set or replaced,
 * and the audit says so without any value.
 */
const TRACKED: [string, (r: LinkRecord) => Value][] = [
  ['name', (r) => r.name],
  ['applicationUrl', (r) => r.applicationUrl],
  ['displayUrl', (r) => r.displayUrl],
  ['authKind', (r) => r.authKind],
  ['outgoing.clientId', (r) => r.outgoing.clientId],
  ['outgoing.clientSecret', (r) => secretState(r.outgoing.clientSecretFingerprint?.setAt)],
  ['outgoing.scopes', (r) => r.outgoing.scopes],
  ['outgoing.grantType', (r) => r.outgoing.grantType],
  ['outgoing.workspace', (r) => r.outgoing.workspace ?? null],
  ['incoming.clientId', (r) => r.incoming?.clientId ?? null],
  ['incoming.clientSecret', (r) => secretState(r.incoming?.clientSecretFingerprint.setAt)],
  ['incoming.scopes', (r) => r.incoming?.scopes ?? null],
  ['incoming.redirectUri', (r) => r.incoming?.redirectUri ?? null],
  ['incoming.redirectUriIsPlaceholder', (r) => r.incoming?.redirectUriIsPlaceholder ?? null],
  ...MANUAL_EXCHANGE_STEPS.map((step): [string, (r: LinkRecord) => Value] => [`exchange.${step}`, (r) => r.manualSteps[step]?.status ?? 'pending']),
];

/** A secret's state for the audit: whether one is set, and when it was set (never a value). */
function secretState(setAt: string | undefined): Value {
  return setAt === undefined ? 'not set' : `set at ${setAt}`;
}

/** What changed between two versions of a link; `null` before or after for a created or deleted link. */
export function diffLinks(before: LinkRecord | null, after: LinkRecord | null): AuditChange[] {
  const changes: AuditChange[] = [];
  for (const [field, read] of TRACKED) {
    const from = before === null ? null : read(before);
    const to = after === null ? null : read(after);
    if (JSON.stringify(from) !== JSON.stringify(to)) changes.push({ field, from, to });
  }
  return changes;
}
