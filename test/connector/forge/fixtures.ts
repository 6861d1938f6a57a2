import { constants, createHmac, generateKeyPairSync, KeyObject, randomUUID, sign } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

/** Test identities, shaped like Forge's (see connector/src/forge/invocation-token.ts for the source). */
export const APP_ID = `ari:cloud:ecosystem::app/${randomUUID()}`;
export const OTHER_APP_ID = `ari:cloud:ecosystem::app/${randomUUID()}`;
export const INSTALLATION_A = `ari:cloud:ecosystem::installation/${randomUUID()}`;
export const INSTALLATION_B = `ari:cloud:ecosystem::installation/${randomUUID()}`;
export const CLOUD_A = randomUUID();
export const CLOUD_B = randomUUID();

export interface TestKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
  publicPem: string;
}

/** An RS256 key pair made by jose (2048 bits), as Forge's would be. */
export async function joseRsaKey(kid: string): Promise<TestKey> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
  const publicKey = KeyObject.from(pair.publicKey);
  return { kid, privateKey: KeyObject.from(pair.privateKey), publicJwk, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** A key made with node:crypto, for the weak and foreign keys jose refuses to make or use. */
export function nodeKey(kid: string, type: 'rsa1024' | 'ec'): TestKey {
  const { privateKey, publicKey } =
    type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 1024 });
  const alg = type === 'ec' ? 'ES256' : 'RS256';
  const publicJwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' };
  return { kid, privateKey, publicJwk, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export const b64url = (value: string | Buffer | object): string =>
  Buffer.from(typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value)).toString('base64url');

export type Signer = (signingInput: string) => Buffer;

/** A compact JWS assembled by hand, so that a test can forge what a library would refuse to make. */
export function rawJwt(header: object, payload: unknown, signer: Signer | null): string {
  const input = `${b64url(header)}.${typeof payload === 'string' ? b64url(payload) : b64url(payload as object)}`;
  return `${input}.${signer === null ? '' : signer(input).toString('base64url')}`;
}

export const rs256 = (key: TestKey): Signer => (input) => sign('sha256', Buffer.from(input), key.privateKey);
export const rs512 = (key: TestKey): Signer => (input) => sign('sha512', Buffer.from(input), key.privateKey);
export const ps256 = (key: TestKey): Signer => (input) =>
  sign('sha256', Buffer.from(input), { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
export const es256 = (key: TestKey): Signer => (input) => sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
export const hs256 = (secret: string | Buffer): Signer => (input) => createHmac('sha256', secret).update(input).digest();

export interface FitOptions {
  nowSeconds: number;
  installationId?: string;
  cloudId?: string;
  appId?: string;
  /** Backend invocations carry no `context`; the cloud id is then in `app.apiBaseUrl`. */
  backend?: boolean;
}

/** FIT claims as Forge sends them (Forge Remote essentials, "The Forge Invocation Token (FIT)"). */
export function fitClaims(options: FitOptions): Record<string, any> {
  const appId = options.appId ?? APP_ID;
  const cloudId = options.cloudId ?? CLOUD_A;
  const claims: Record<string, any> = {
    app: {
      id: appId,
      version: '16',
      appVersion: '16.0.1',
      installationId: options.installationId ?? INSTALLATION_A,
      apiBaseUrl: `https://api.atlassian.com/ex/jira/${cloudId}`,
      environment: { type: 'PRODUCTION', id: `ari:cloud:ecosystem::environment/${randomUUID()}/${randomUUID()}` },
      module: { type: 'core:endpoint', key: 'connector-remote' },
    },
    principal: '655362:312d3308-8954-42b0-aa38-771a10c88656',
    aud: appId,
    iss: 'forge/invocation-token',
    iat: options.nowSeconds,
    nbf: options.nowSeconds,
    exp: options.nowSeconds + 25,
    jti: randomUUID().replace(/-/g, ''),
  };
  if (options.backend !== true) claims.context = { cloudId, moduleKey: 'admin-page', siteUrl: 'https://example.atlassian.net' };
  return claims;
}

/** A correctly signed FIT, made by jose like any well-behaved signer would. */
export async function signFit(key: TestKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);
}

/** A JWKS document served over real HTTP on 127.0.0.1, counting fetches. */
export class JwksServer {
  requests = 0;
  status = 200;
  body: string | undefined;

  private constructor(
    private readonly server: ReturnType<typeof createServer>,
    public keys: JWK[],
    readonly url: string,
    readonly host: string,
  ) {}

  static async start(keys: JWK[]): Promise<JwksServer> {
    let self: JwksServer | undefined;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => self?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new JwksServer(server, keys, `http://127.0.0.1:${port}/.well-known/jwks.json`, `127.0.0.1:${port}`);
    return self;
  }

  /** Env for `startTestConnector`: the app id, this JWKS URL, and its host allowed over http. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return { FORGE_APP_ID: APP_ID, FORGE_JWKS_URL: this.url, CONNECTOR_ALLOWED_HOSTS: this.host, ...extra };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    this.requests += 1;
    res.writeHead(this.status, { 'content-type': 'application/json' }).end(this.body ?? JSON.stringify({ keys: this.keys }));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }
}
