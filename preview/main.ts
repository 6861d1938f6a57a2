import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot, startPreview } from './server';

/**
 * Starts the sandbox Data Center (sandbox/start.mjs, issue 4) registered with the connector's
 * callback, and resolves to its first lines (URL, client ID and secret) once it has printed them.
 */
function startSandbox(redirectUri: string): Promise<{ child: ChildProcess; banner: string } | undefined> {
  const script = path.join(repoRoot(), 'sandbox', 'start.mjs');
  if (!existsSync(script)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, '--kind', 'jira', '--port', '0', '--redirect-uri', redirectUri], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => resolve({ child, banner: out || '(the sandbox printed nothing within 15 s)' }), 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (/redirect URI:.*\n/.test(out)) {
        clearTimeout(timer);
        resolve({ child, banner: out.trimEnd() });
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}

/**
 * `npm run preview`: the admin page against the real resolvers and a local connector, in one
 * process. Options: --port N (default 8790; 0 picks one), --connector-port N (default 8791), --data-dir DIR (default .data/preview),
 * --no-auto-pair (leave the connector unpaired and print the code for the Connector tab), --no-sandbox.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i === -1 ? undefined : args[i + 1];
  };
  const port = Number(value('--port') ?? process.env.PREVIEW_PORT ?? 8790);
  const dataDir = value('--data-dir') ?? path.join(repoRoot(), '.data', 'preview');
  // A fixed connector port keeps its callback (the redirect URI registered in remotes) stable across restarts.
  const connectorPort = Number(value('--connector-port') ?? 8791);
  const preview = await startPreview({ dataDir, port, connectorPort, autoPair: !args.includes('--no-auto-pair'), scheduledChecks: true });
  console.log(`Admin page preview: ${preview.url}/   (dark theme: ${preview.url}/?theme=dark)`);
  console.log(`Connector: ${preview.connectorUrl}  (data in ${dataDir})`);
  if (preview.pairingCode !== undefined) console.log(`Pairing code for the Connector tab (10 minutes): ${preview.pairingCode}`);
  else console.log('The connector is paired with this preview installation.');
  const sandbox = args.includes('--no-sandbox') ? undefined : await startSandbox(`${preview.connectorUrl}/oauth/callback`);
  if (sandbox === undefined) {
    console.log('Sandbox Data Center: not started (sandbox/start.mjs missing, failed, or --no-sandbox). Link to any Data Center the connector can reach.');
  } else {
    console.log(sandbox.banner);
    console.log('Create a link to the sandbox URL above (Jira Data Center); on the outgoing step enter the client ID and secret above; sign in with any name.');
  }
  const stop = () => {
    sandbox?.child.kill('SIGTERM');
    void preview.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
