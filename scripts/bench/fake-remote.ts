import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * A Data Center stand-in that answers at once, in a child process so its CPU is not counted as
 * the connector's: the applinks manifest (Jira 11.2, JSON) and the API probe (200 for any bearer).
 */
const SERVER = `
const http = require('node:http');
const manifest = JSON.stringify({ id: 'bench', name: 'Jira', typeId: 'jira', version: '11.2.0', buildNumber: '11020000', applinksVersion: '10.0.0', url: '', publicSignup: false });
const server = http.createServer((req, res) => {
  if (req.url.endsWith('/rest/applinks/1.0/manifest')) {
    const body = manifest.replace('"url":""', '"url":"http://' + req.headers.host + '"');
    res.writeHead(200, { 'content-type': 'application/json', date: new Date().toUTCString() }).end(body);
  } else if (req.url.endsWith('/rest/api/2/myself')) {
    res.writeHead(req.headers.authorization ? 200 : 401, { 'content-type': 'application/json' }).end('{"name":"bench"}');
  } else res.writeHead(404).end();
});
server.keepAliveTimeout = 1000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => { if (m === 'cpu') process.send({ cpu: process.cpuUsage() }); });
`;

export interface FakeRemote {
  baseUrl: string;
  close(): void;
}

export async function startFakeRemote(): Promise<FakeRemote> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bench-remote-')), 'remote.cjs');
  writeFileSync(file, SERVER);
  const child: ChildProcess = fork(file, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`fake remote exited with ${code}`)));
  });
  return { baseUrl: `http://127.0.0.1:${port}`, close: () => child.kill() };
}
