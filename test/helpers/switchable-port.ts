/**
 * A TCP port in front of another that can be taken down and brought back on the same number: a
 * remote that goes away (connections refused) and returns, as a restart or an outage does.
 */
import net from 'node:net';

export interface SwitchablePort {
  port: number;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startSwitchablePort(target: { host: string; port: number }): Promise<SwitchablePort> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const s = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        server = s;
        resolve((s.address() as net.AddressInfo).port);
      });
    });
  const down = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  const port = await listen(0);
  return { port, down, up: async () => void (await listen(port)), close: down };
}
