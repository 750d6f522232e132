import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import { pino, type Logger } from 'pino';
import { readTlsFiles, watchTlsFiles, type TlsFiles } from './tls.js';

export interface WebhookServer {
  /** e.g. http://127.0.0.1:8080 (https:// with TLS), with the port actually bound when 0 was asked for. */
  url: string;
  close(): Promise<void>;
}

/** How long close() lets in-flight requests (a start waiting on Temporal) finish. */
const CLOSE_GRACE_MS = 10_000;

/**
 * Serves the app on host:port (port 0 picks a free one); resolves once it is listening. With `tls`,
 * HTTPS from those files, reloaded when they change; with a client CA, each client is asked for a
 * certificate (a route whose credentials are certificate subjects then needs one, others do not).
 */
export function startWebhookServer(options: {
  port: number;
  host: string;
  app: Hono;
  tls?: TlsFiles | undefined;
  logger?: Logger;
}): Promise<WebhookServer> {
  const { port, host, app, tls } = options;
  const logger = options.logger ?? pino({ level: 'silent' });
  // Read before listening: a bad certificate stops the start with the file's name.
  const secure = tls ? readTlsFiles(tls) : undefined;
  return new Promise((resolve, reject) => {
    const listening = (info: AddressInfo) => {
      server.off('error', onError);
      const hostPart = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      const watcher = tls
        ? watchTlsFiles(tls, (context) => (server as HttpsServer).setSecureContext(context), logger)
        : undefined;
      resolve({
        url: `${tls ? 'https' : 'http'}://${hostPart}:${info.port}`,
        close: () => {
          watcher?.close();
          return close(server as Server);
        },
      });
    };
    const server = secure
      ? serve(
          {
            fetch: app.fetch,
            port,
            hostname: host,
            createServer: createHttpsServer,
            // rejectUnauthorized false: a client without a certificate (a browser opening a link) still
            // connects, and only routes that take certificates as credentials refuse it.
            serverOptions: { ...secure, requestCert: tls?.clientCaFile !== undefined, rejectUnauthorized: false },
          },
          listening,
        )
      : serve({ fetch: app.fetch, port, hostname: host }, listening);
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
