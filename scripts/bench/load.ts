import { fork } from 'node:child_process';
import * as path from 'node:path';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  total: number;
}

/** Drives `url` from a separate process for `durationSeconds` with `connections` connections. */
export function load(url: string, options: { connections: number; durationSeconds: number; headers?: Record<string, string>; paths?: string[] }): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'load-worker.js'), [], { stdio: 'inherit' });
    child.once('message', (message: LoadResult | { error: string }) => {
      child.kill();
      if ('error' in message) reject(new Error(message.error));
      else resolve(message);
    });
    child.once('error', reject);
    child.send({ url, connections: options.connections, durationSeconds: options.durationSeconds, headers: options.headers ?? {}, ...(options.paths === undefined ? {} : { paths: options.paths }) });
  });
}
