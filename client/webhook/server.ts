import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';

export interface WebhookServer {
  /** e.g. http://127.0.0.1:8080, with the port actually bound when 0 was asked for. */
  url: string;
  close(): Promise<void>;
}

/** How long close() lets in-flight requests (a start waiting on Temporal) finish. */
const CLOSE_GRACE_MS = 10_000;

/** Serves the app on host:port (port 0 picks a free one); resolves once it is listening. */
export function startWebhookServer(options: { port: number; host: string; app: Hono }): Promise<WebhookServer> {
  const { port, host, app } = options;
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
      server.off('error', onError);
      const hostPart = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({ url: `http://${hostPart}:${info.port}`, close: () => close(server as Server) });
    });
    const onError = (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the port is in use' : error.message;
      reject(new Error(`cannot listen on ${host}:${port}: ${why}`, { cause: error }));
    };
    server.once('error', onError);
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    // Stop accepting and drop idle keep-alive sockets; give busy ones a grace period, then cut them.
    const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
    server.close((error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}
