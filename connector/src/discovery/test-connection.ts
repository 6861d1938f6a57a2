import { randomBytes } from 'node:crypto';
import type { Counter } from 'prom-client';
import {
  DIAGNOSTIC_CODES,
  REMOTE_PRESETS,
  TestConnectionResultSchema,
  expandEndpoint,
  kindForManifestTypeId,
  type DiagnosticResult,
  type DiagnosticStage,
  type RemoteKind,
  type RemoteManifest,
  type TestConnectionResult,
} from '../../../contract';
import type { CredentialService } from '../credentials/service';
import { redirectUriOf } from '../config';
import type { ResolvedAddress, SafeHttp } from '../outbound/safe-http';
import type { CheckObserver } from '../monitoring/seams';
import type { LinkRecord, Store } from '../storage/store';
import { OAuthError } from '../oauth';
import { checkBitbucketCloud } from './bitbucket-cloud-check';
import { bounded, StageTimeout } from './bounded';
import { fail, failureFor, notApplicable, pass, scopeFrom, warn, type Outcome } from './stage-outcome';
import { fetchManifest } from './manifest';
import { oauth2Support, sameBase } from './probe';
import { serviceAccountVersionOutcome } from './service-account-check';

/** Time limits of a test: each stage has its own, and the whole test is bounded. */
export interface TestTimeouts {
  /** TCP connect (and TLS handshake) limit. */
  connectMs: number;
  /** The most one stage may take. */
  stageMs: number;
  /** The most the whole test may take; stages left when it is spent fail with TIMEOUT. */
  totalMs: number;
}

export const DEFAULT_TEST_TIMEOUTS: TestTimeouts = { connectMs: 5_000, stageMs: 10_000, totalMs: 30_000 };

/** Clocks further apart than this are reported (CLOCK_SKEW, a warning). */
export const CLOCK_SKEW_WARN_MS = 2 * 60_000;
/** ... and from this far apart, a failure: token lifetimes and signed requests stop making sense. */
export const CLOCK_SKEW_FAIL_MS = 15 * 60_000;

/** The last test of a link, as kept in the settings store under `link-test:<id>`. */
export interface StoredTest {
  result: TestConnectionResult;
  testedBy: string | null;
}

export const lastTestKey = (linkId: string): string => `link-test:${linkId}`;

export interface ConnectionTesterDeps {
  http: SafeHttp;
  store: Store;
  credentials: CredentialService;
  publicUrl: string;
  now: () => Date;
  /** `applinks_connection_tests_total{result, code}`. */
  counter: Counter<'result' | 'code'>;
  timeouts?: Partial<TestTimeouts>;
  /** Told of every result, scheduled or manual; one that throws is reported to `onObserverError`. */
  observers?: readonly CheckObserver[];
  onObserverError?: (error: unknown, linkId: string) => void;
}

/** `manual`: a person asked (every stage, as is). `scheduled`: no request to the token endpoint while a usable token is held. */
export type TestMode = 'manual' | 'scheduled';

/**
 * Test connection (DESIGN section 4): the stages url, dns, tcp, tls, manifest, version, clock,
 * credentials, token and api, in that order. Each stage reports one result with a stable code and
 * a hint that says what to change where; once a stage fails, the later ones are reported as
 * skipped. No stage ever puts a secret in its message: OAuth errors are already redacted, and the
 * access token used by the api stage stays in this function.
 */
export class ConnectionTester {
  private readonly timeouts: TestTimeouts;

  constructor(private readonly deps: ConnectionTesterDeps) {
    this.timeouts = { ...DEFAULT_TEST_TIMEOUTS, ...deps.timeouts };
  }

  /** `asUser`: on a per-user link, the account (the admin's invocation principal) whose own connection the test uses. */
  async test(link: LinkRecord, testedBy: string | null, asUser?: string): Promise<TestConnectionResult> {
    const result = await this.run(link, 'manual', asUser);
    const stored: StoredTest = { result, testedBy };
    await this.deps.store.settings.set(lastTestKey(link.id), stored);
    return this.observed(link, result);
  }

  /** A scheduled check: the same stages and codes, and no side effect at the remote on the happy path. */
  async check(link: LinkRecord): Promise<TestConnectionResult> {
    return this.observed(link, await this.run(link, 'scheduled'));
  }

  private async observed(link: LinkRecord, result: TestConnectionResult): Promise<TestConnectionResult> {
    const firstFailure = result.stages.find((s) => s.status === 'fail');
    this.deps.counter.inc({ result: result.ok ? 'ok' : 'failed', code: firstFailure?.code ?? 'OK' });
    const at = new Date(result.testedAt);
    await Promise.all((this.deps.observers ?? []).map((o) => o.observed(link.id, result, at).catch((error: unknown) => this.deps.onObserverError?.(error, link.id))));
    return result;
  }

  async lastTest(linkId: string): Promise<StoredTest | undefined> {
    const stored = await this.deps.store.settings.get<StoredTest>(lastTestKey(linkId));
    if (stored === undefined) return undefined;
    const parsed = TestConnectionResultSchema.safeParse(stored.result);
    return parsed.success ? { result: parsed.data, testedBy: typeof stored.testedBy === 'string' ? stored.testedBy : null } : undefined;
  }

  private async run(link: LinkRecord, mode: TestMode, asUser?: string): Promise<TestConnectionResult> {
    const testedAt = this.deps.now().toISOString();
    const deadline = Date.now() + this.timeouts.totalMs;
    const stages: DiagnosticResult[] = [];
    let blocked = false;
    const kind = link.remoteKind as RemoteKind;
    const preset = REMOTE_PRESETS[kind];

    const stage = async (name: DiagnosticStage, body: (budgetMs: number) => Promise<Outcome>): Promise<void> => {
      if (blocked) {
        stages.push({ stage: name, status: 'skip', code: 'SKIPPED', message: 'Not run: an earlier stage failed.', hint: DIAGNOSTIC_CODES.SKIPPED.hint, ms: 0 });
        return;
      }
      const started = performance.now();
      const budget = Math.min(this.timeouts.stageMs, deadline - Date.now());
      let outcome: Outcome;
      if (budget <= 0) {
        outcome = fail('TIMEOUT', `The whole test took longer than ${this.timeouts.totalMs} ms; ${name} was not run.`);
      } else {
        try {
          outcome = await bounded(body(budget), budget);
        } catch (error) {
          outcome = error instanceof StageTimeout ? fail('TIMEOUT', `The ${name} stage took longer than ${budget} ms.`) : failureFor(error);
        }
      }
      stages.push({
        stage: name,
        status: outcome.status,
        code: outcome.code,
        message: outcome.message,
        hint: outcome.hint ?? DIAGNOSTIC_CODES[outcome.code].hint,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ...(outcome.certificateValidTo === undefined ? {} : { certificateValidTo: outcome.certificateValidTo }),
      });
      if (outcome.status === 'fail') blocked = true;
    };

    const connectMs = (budget: number): number => Math.min(this.timeouts.connectMs, budget);
    let url: URL | undefined;
    let address: ResolvedAddress | undefined;
    let manifest: RemoteManifest | undefined;
    let remoteDate: string | undefined;
    let accessToken: string | undefined;

    await stage('url', async () => {
      url = this.deps.http.checkUrl(link.applicationUrl);
      return pass(`${link.applicationUrl} is a URL the connector may call.`);
    });
    await stage('dns', async (budget) => {
      address = await this.deps.http.resolve(url!, budget);
      return pass(`${url!.hostname} resolves to ${address.address}.`);
    });
    await stage('tcp', async (budget) => {
      await this.deps.http.connectTcp(url!, address!, connectMs(budget));
      return pass(`Connected to ${address!.address} port ${url!.port || (url!.protocol === 'https:' ? '443' : '80')}.`);
    });
    await stage('tls', async (budget) => {
      if (url!.protocol !== 'https:') return notApplicable('Plain http: no TLS (the host is in CONNECTOR_ALLOWED_HOSTS).');
      const { validTo } = await this.deps.http.handshakeTls(url!, address!, connectMs(budget));
      const until = validTo === undefined ? Number.NaN : Date.parse(validTo);
      const outcome = pass(`The certificate is valid${validTo === undefined ? '' : ` until ${validTo}`} and names ${url!.hostname}.`);
      return Number.isNaN(until) ? outcome : { ...outcome, certificateValidTo: new Date(until).toISOString() };
    });
    await stage('manifest', async (budget) => {
      if (!preset.servesApplinksManifest) return notApplicable(`${preset.label} serves no applinks manifest.`);
      const outcome = await fetchManifest(this.deps.http, link.applicationUrl, { timeoutMs: budget, connectTimeoutMs: connectMs(budget), address: address! });
      remoteDate = outcome.date;
      if (outcome.kind === 'redirect') {
        return fail('URL_REDIRECTED', `${link.applicationUrl} redirects${outcome.location === null ? '' : ` to ${outcome.location}`} (HTTP ${outcome.status}).`);
      }
      if (outcome.kind === 'not-atlassian') return fail('NOT_ATLASSIAN', `${link.applicationUrl} serves no applinks manifest (HTTP ${outcome.status}).`);
      manifest = outcome.manifest;
      const found = kindForManifestTypeId(manifest.typeId);
      if (preset.manifestTypeId !== undefined && manifest.typeId !== preset.manifestTypeId) {
        const what = found === undefined ? `an application of type ${manifest.typeId}` : REMOTE_PRESETS[found].label;
        return fail('KIND_MISMATCH', `${link.applicationUrl} is ${what}, but the link is for ${preset.label}.`);
      }
      return pass(`${manifest.name ?? manifest.typeId} ${manifest.version ?? ''}${manifest.buildNumber === null ? '' : ` (build ${manifest.buildNumber})`}.`);
    });
    await stage('version', async () => {
      if (manifest === undefined) return notApplicable('No manifest to read a version from.');
      const support = oauth2Support(manifest);
      // An outgoing-only link uses no OAuth 2.0: it is tested for what it is, and the version is information.
      if (support.supported === false && link.authKind === 'none') {
        return pass(`Version ${manifest.version ?? ''} (for information: OAuth 2.0 application links need ${support.minimumVersion ?? 'a newer version'} or later; this link uses no authentication).`);
      }
      if (support.supported === false) {
        return fail('VERSION_UNSUPPORTED', `${manifest.name ?? manifest.typeId} ${manifest.version ?? ''} has no OAuth 2.0 application links; they need ${support.minimumVersion ?? 'a newer version'} or later.`);
      }
      const serviceAccount = serviceAccountVersionOutcome(link, manifest);
      if (serviceAccount !== undefined) return serviceAccount;
      const expected = link.displayUrl ?? link.applicationUrl;
      if (!sameBase(manifest.url, expected) && !sameBase(manifest.url, link.applicationUrl)) {
        return warn('DISPLAY_URL_MISMATCH', `The remote's base URL is ${manifest.url}, but the link says ${expected}.`);
      }
      return pass(support.supported === null ? 'The version is not known to need an upgrade.' : `Version ${manifest.version ?? ''} has OAuth 2.0 application links (${support.minimumVersion ?? ''} or later).`);
    });
    await stage('clock', async () => {
      if (remoteDate === undefined) return notApplicable('The remote sent no Date header to compare clocks with.');
      const theirs = Date.parse(remoteDate);
      if (Number.isNaN(theirs)) return notApplicable('The remote\'s Date header is not a date.');
      const skew = theirs - this.deps.now().getTime();
      const seconds = Math.round(Math.abs(skew) / 1000);
      const direction = skew > 0 ? 'ahead of' : 'behind';
      if (Math.abs(skew) > CLOCK_SKEW_FAIL_MS) return fail('CLOCK_SKEW', `The remote's clock is ${seconds} s ${direction} the connector's.`);
      if (Math.abs(skew) > CLOCK_SKEW_WARN_MS) return warn('CLOCK_SKEW', `The remote's clock is ${seconds} s ${direction} the connector's.`);
      return pass(`The clocks agree within ${Math.max(seconds, 1)} s.`);
    });
    // A scheduled check acts as nobody: a per-user link's tokens are each user's, checked as they are used.
    const perUser = link.authKind === 'oauth2-impersonation';
    const asNobody = mode === 'scheduled' && perUser;
    await stage('credentials', async () =>
      // A held, unexpired token stands for the client ID and secret: asking the token endpoint
      // every interval would be a side effect (and, on some remotes, an audit entry) per check.
      asNobody
        ? notApplicable('Not asked on a scheduled check: this link acts as each user.')
        : mode === 'scheduled' && (await this.holdsUsableToken(link))
          ? notApplicable('Not asked on a scheduled check: the link holds a valid token.')
          : this.checkCredentials(link),
    );
    await stage('token', async () => {
      if (link.authKind === 'none') return notApplicable('The link has no authentication.');
      if (asNobody) return notApplicable("Not asked on a scheduled check: this link acts as each user, and the check does not act as anyone.");
      // Per-user links are tested with the asking administrator's own connection, and say so.
      if (perUser && (asUser === undefined || asUser === '')) return fail('NEEDS_AUTHORIZATION', 'This link acts as each user: run the test from the Jira admin page, where it uses your own connected account.');
      const subject = perUser ? asUser! : '';
      if (link.outgoing.grantType === 'client_credentials' && (await this.deps.store.tokens.get(link.id, '')) === undefined) {
        await this.deps.credentials.obtainClientCredentials(link.id);
      }
      const stored = await this.deps.store.tokens.get(link.id, subject);
      if (stored === undefined && perUser) return fail('NEEDS_AUTHORIZATION', 'You have not connected your own account on this link, so it could not be tested as you: connect it from "Connected accounts" in Jira, then test again.');
      if (stored === undefined) return fail('NEEDS_AUTHORIZATION', 'The link has no token yet.');
      if (stored.record.state === 'needs-reauthorization') return fail('INVALID_GRANT', `The remote refused ${perUser ? 'your' : 'the'} refresh token (invalid_grant) when it was last used.`);
      const served = await this.deps.credentials.getAccessToken(link.id, subject);
      accessToken = served.accessToken;
      return pass(`${perUser ? 'Tested as you: your' : 'A'} token is available until ${served.expiresAt}${served.scopes.length > 0 ? ` with ${served.scopes.join(' ')}` : ''}.`);
    });
    await stage('api', async (budget) => {
      const template = preset.endpoints?.api;
      const endpoint = link.outgoing.apiProbeUrl ?? (template === undefined ? null : expandEndpoint(template, { base: link.applicationUrl, tenant: link.outgoing.tenant ?? undefined }));
      if (endpoint === null || accessToken === undefined) return notApplicable('No API endpoint to call for this kind of remote.');
      if (kind === 'bitbucket-cloud') return checkBitbucketCloud(this.deps.http, link, accessToken, { timeoutMs: budget, connectTimeoutMs: connectMs(budget) });
      const response = await this.deps.http.request(endpoint, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        timeoutMs: budget,
        connectTimeoutMs: connectMs(budget),
        maxBytes: 64 * 1024,
      });
      const where = new URL(endpoint).pathname;
      if (response.status >= 200 && response.status < 300) return pass(`${where} answered ${response.status} with the link's token.`);
      if (response.status === 401) return fail('TOKEN_REJECTED', `${where} answered 401: the remote does not accept the token.`);
      if (response.status === 403) return fail('INSUFFICIENT_SCOPE', `${where} answered 403${scopeFrom(response.headers['www-authenticate'])}.`);
      if (response.status >= 300 && response.status < 400) return fail('API_ERROR', `${where} redirected (HTTP ${response.status}), probably to a login page.`);
      return fail('API_ERROR', `${where} answered HTTP ${response.status}.`);
    });

    return { ok: stages.every((s) => s.status !== 'fail'), testedAt, stages };
  }

  private async holdsUsableToken(link: LinkRecord): Promise<boolean> {
    const held = link.authKind === 'oauth2' ? await this.deps.store.tokens.get(link.id, '') : undefined;
    return held !== undefined && held.record.state === 'valid' && Date.parse(held.record.expiresAt) > this.deps.now().getTime();
  }

  /**
   * Asks the remote whether it knows the client, without obtaining anything: the authorization
   * endpoint is asked (no redirect followed) whether it accepts the redirect URI and scopes, and the
   * token endpoint is sent a made-up authorization code. A remote that knows the client answers
   * `invalid_grant` (the code is unknown); one that does not, `invalid_client`.
   */
  private async checkCredentials(link: LinkRecord): Promise<Outcome> {
    if (link.authKind === 'none') return notApplicable('The link has no authentication.');
    const client = await this.deps.credentials.clientFor(link);
    const redirectUri = redirectUriOf(this.deps);
    const registration = REMOTE_PRESETS[link.remoteKind as RemoteKind].registrationHint;
    if (link.outgoing.grantType === 'client_credentials') {
      try {
        await client.clientCredentials();
      } catch (error) {
        // Bitbucket Cloud: a consumer without a callback URL is not an OAuth 2.0 consumer at all.
        if (error instanceof OAuthError && /callback/i.test(error.providerErrorDescription ?? '')) {
          return fail('INVALID_CLIENT', `The remote says the client has no callback URL, so it is not an OAuth 2.0 client (${error.providerErrorDescription ?? ''}).`, `Add a callback URL to the consumer. ${registration}`);
        }
        throw error;
      }
      return pass('The remote issued a token for the client ID and secret.');
    }
    const request = client.createAuthorizationRequest();
    const answer = await this.deps.http.request(request.url, { timeoutMs: this.timeouts.stageMs, connectTimeoutMs: this.timeouts.connectMs, maxBytes: 256 * 1024 });
    const location = typeof answer.headers.location === 'string' ? new URL(answer.headers.location, request.url) : undefined;
    if (location !== undefined && `${location.origin}${location.pathname}` === redirectUri) {
      const error = location.searchParams.get('error');
      if (error === 'invalid_scope') return fail('INVALID_SCOPE', `The remote refused the scopes ${link.outgoing.scopes.join(' ')}.`);
      if (error === 'unauthorized_client' || error === 'invalid_client') return fail('INVALID_CLIENT', `The remote's authorization endpoint refused the client (${error}).`);
    } else if (answer.status >= 400) {
      const body = answer.body.slice(0, 2000);
      if (/redirect_uri/i.test(body)) {
        return fail('REDIRECT_URI_MISMATCH', `The remote does not accept the redirect URI ${redirectUri}.`, `Register exactly ${redirectUri} as the redirect URI. ${registration}`);
      }
      if (/invalid_client|client_id/i.test(body)) return fail('INVALID_CLIENT', 'The remote\'s authorization endpoint does not know the client ID.');
    }
    try {
      await client.exchangeCode({ code: randomBytes(24).toString('base64url'), codeVerifier: randomBytes(32).toString('base64url') });
    } catch (error) {
      if (error instanceof OAuthError && error.code === 'INVALID_GRANT') return pass('The remote knows the client ID and accepts the secret.');
      if (error instanceof OAuthError && error.code === 'REDIRECT_URI_MISMATCH') {
        return fail('REDIRECT_URI_MISMATCH', error.message, `Register exactly ${redirectUri} as the redirect URI. ${registration}`);
      }
      throw error;
    }
    return pass('The remote knows the client ID and accepts the secret.');
  }
}
