import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Resolves with the bound port, so `port: 0` yields the ephemeral one actually chosen. */
export async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** `host:port` for a URL: IPv6 literals need brackets. */
export const hostPort = (host: string, port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/** Runs `flush` (persisting state) first; a failing flush rejects without closing. */
export function closeServer(server: Server, flush: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    flush();
    server.close((error) => (error ? reject(error) : resolve()));
    // SDK clients keep connections alive; without this close() would wait for their idle timeout.
    server.closeAllConnections();
  });
}
