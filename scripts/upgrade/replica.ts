import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * One connector replica as an operator runs it: `node <release>/bin/applinks-connector.js serve`
 * in its own process, configured by the environment only, stopped with SIGTERM.
 */
export interface Replica {
  name: string;
  port: number;
  base: string;
  /** Everything it printed. */
  output(): string;
  /** `applinks_token_refreshes_total` by outcome, from its /metrics. */
  refreshes(): Promise<Record<string, number>>;
  /** SIGTERM, then waits for the exit: resolves with the exit code and how long the drain took. */
  stop(): Promise<{ code: number | null; ms: number }>;
  kill(): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** An operator's environment: without the npm_* and connector variables of the shell that ran us. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_') && !name.startsWith('CONNECTOR_') && name !== 'DATABASE_URL'));
  return { ...env, ...extra };
}

export async function startReplica(name: string, bin: string, env: Record<string, string>, timeoutMs = 60_000): Promise<Replica> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [bin, 'serve'], { env: cleanEnv({ ...env, CONNECTOR_PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within ${timeoutMs} ms:\n${output}`);
    }
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    name,
    port,
    base,
    output: () => output,
    async refreshes() {
      const text = await (await fetch(`${base}/metrics`)).text();
      const counts: Record<string, number> = {};
      for (const m of text.matchAll(/^applinks_token_refreshes_total\{outcome="([^"]+)"\} (\d+)/gm)) counts[m[1]!] = Number(m[2]);
      return counts;
    },
    async stop() {
      const started = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      return { code, ms: Date.now() - started };
    },
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
