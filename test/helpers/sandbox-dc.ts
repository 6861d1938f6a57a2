/**
 * The sandbox Data Center for tests: `sandbox/dc-server.mjs` (applinks manifest, the OAuth 2.0
 * provider of `oidc-server.ts`, a protected API endpoint) in a child process, plus the faults a
 * real network has: a certificate that is self-signed or expired (generated here with the
 * `openssl` CLI), a port that accepts and never answers, a port that refuses.
 *
 * ```ts
 * const dc = await startSandboxDc({ settings: { manifest: { kind: 'jira', version: '11.1.0' } } });
 * // dc.baseUrl is the application URL; dc.clients, dc.authorize() as in oidc-server.ts
 * await dc.configure({ dateSkewMs: 5 * 60_000 });
 * await dc.stop();
 * ```
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startOidcServer, type OidcServer, type OidcServerOptions } from './oidc-server';

export type SandboxKind = 'jira' | 'confluence' | 'bitbucket' | 'bamboo' | 'crowd';

/** What the manifest says; every field has a default from the kind (Jira 11.2.0 by default). */
export interface SandboxManifest {
  kind?: SandboxKind;
  name?: string;
  typeId?: string;
  version?: string;
  buildNumber?: string;
  /** The remote's base URL as it believes it is reached (defaults to the sandbox's own URL). */
  displayUrl?: string;
}

export interface SandboxSettings {
  /** null: no manifest (404), as a server that is not an Atlassian application. */
  manifest?: SandboxManifest | null;
  /** Added to the Date header of every answer. */
  dateSkewMs?: number;
  /** The scope the protected API needs (default READ); null: none. */
  apiScope?: string | null;
  /** Answer the manifest with a 302 to this URL. */
  manifestRedirect?: string | null;
  /** `xml`: ignore `Accept: application/json`, as older versions and some proxies do. Default `auto`. */
  manifestFormat?: 'auto' | 'xml';
  /** Serve OAuth 2.0 server metadata (RFC 8414) at {context}/.well-known/oauth-authorization-server. Default off. */
  oauthMetadata?: boolean;
  /** Also play Bitbucket Cloud (sandbox/extensions/bitbucket-cloud.mjs); a patch replaces it whole. */
  bitbucketCloud?: BitbucketCloudStandIn | null;
}

/** The Bitbucket Cloud stand-in's account, workspaces and OAuth consumers. */
export interface BitbucketCloudStandIn {
  user?: { username: string };
  workspaces: Record<string, { role: 'owner' | 'member'; repositories: string[] }>;
  consumers: { key: string; secret: string; callbackUrl: string | null; private: boolean; permissions: string[] }[];
}

export interface SandboxDcOptions extends Omit<OidcServerOptions, 'sandbox' | 'tls'> {
  settings?: SandboxSettings;
  /** Serve HTTPS with a freshly generated certificate. Needs `openssl` (tests ask `hasTool('openssl')`, test/helpers/required-tools.ts). */
  tls?: 'self-signed' | 'expired';
}

export interface SandboxDc extends Omit<OidcServer, 'configure'> {
  configure(patch: SandboxSettings): Promise<void>;
  /** The certificate served (PEM) when `tls` was asked for: trust it to get past the CA check. */
  certificate: string | undefined;
}

export async function startSandboxDc(options: SandboxDcOptions = {}): Promise<SandboxDc> {
  const { settings, tls, ...rest } = options;
  const pair = tls === undefined ? undefined : generateCertificate(tls);
  const server = await startOidcServer({
    ...rest,
    sandbox: { manifest: {}, ...settings },
    ...(pair === undefined ? {} : { tls: pair }),
  });
  return { ...server, certificate: pair?.cert, configure: (patch) => server.configure(patch as Record<string, unknown>) };
}

/**
 * A key and a certificate for 127.0.0.1, made with the openssl CLI: self-signed and valid for a
 * day, or self-signed and expired in 2020 (`openssl ca -selfsign` with explicit dates, which
 * OpenSSL 3.0's `req` cannot set).
 */
export function generateCertificate(kind: 'self-signed' | 'expired'): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-tls-'));
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  try {
    if (kind === 'self-signed') {
      run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    } else {
      run(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'req.csr', '-subj', '/CN=127.0.0.1']);
      mkdirSync(path.join(dir, 'db'));
      writeFileSync(path.join(dir, 'db', 'index.txt'), '');
      writeFileSync(path.join(dir, 'db', 'serial'), '01\n');
      writeFileSync(
        path.join(dir, 'ca.cnf'),
        [
          '[ca]', 'default_ca = d', '[d]', 'database = db/index.txt', 'new_certs_dir = db', 'serial = db/serial', 'default_md = sha256',
          'policy = p', 'x509_extensions = ext', 'unique_subject = no', '[p]', 'commonName = supplied', '[ext]', 'subjectAltName = IP:127.0.0.1', 'basicConstraints = CA:FALSE', '',
        ].join('\n'),
      );
      run(['ca', '-batch', '-config', 'ca.cnf', '-selfsign', '-keyfile', 'key.pem', '-in', 'req.csr', '-out', 'cert.pem', '-startdate', '20200101000000Z', '-enddate', '20200201000000Z', '-notext']);
    }
    return { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A port that accepts connections and never answers (a hung application behind a proxy). */
export async function startHangingPort(): Promise<{ port: number; url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound, then released (connections to it are refused). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const BLACKHOLE_SCRIPT = [
  'import socket, sys',
  "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)",
  'port = s.getsockname()[1]',
  'fill = []',
  'for i in range(4):',
  '    c = socket.socket(); c.setblocking(False)',
  '    try: c.connect((\'127.0.0.1\', port))',
  '    except BlockingIOError: pass',
  '    fill.append(c)',
  'print(port, flush=True)',
  'sys.stdin.read()',
].join('\n');

/**
 * A port where connecting never completes, as with a firewall that drops packets: a socket that
 * listens with a backlog of 0 and never accepts, its queue filled first, so Linux drops further
 * SYNs. Node always accepts on a listening socket, so this runs in a small python3 process that
 * exits when its stdin (our pipe) closes.
 */
export async function startBlackholePort(): Promise<{ port: number; url: string; close(): Promise<void> }> {
  const child = spawn('python3', ['-c', BLACKHOLE_SCRIPT], { stdio: ['pipe', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = /^(\d+)\n/.exec(out);
      if (line?.[1] !== undefined) resolve(Number(line[1]));
    });
    child.once('exit', (code) => reject(new Error(`black-hole port helper exited with ${String(code)}`)));
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin.end();
      await exited;
    },
  };
}
