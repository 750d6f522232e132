// A process's operations endpoint for an orchestrator's probes: GET /healthz (the process is alive and its event loop
// answers) and GET /readyz (it can do its work: connected to Temporal, its workers running), 503 with why not. The
// worker serves it on REVOKER_HEALTH_ADDRESS; the webhook answers the same routes on its own port (client/webhook).
// Nothing here reads a request body or echoes one, and the answers name no address, credential or workflow.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/** `host:port` (or `[v6]:port`) to listen on; port 0 picks a free one. */
export const ListenAddress = z
  .string()
  .regex(
    /^(\[[0-9a-fA-F:.]+\]|[\w.-]+):\d{1,5}$/,
    'host:port to listen on, e.g. 0.0.0.0:9464 (all interfaces) or 127.0.0.1:9464',
  )
  .transform((text) => {
    const at = text.lastIndexOf(':');
    return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(text.slice(at + 1)) };
  })
  .pipe(z.object({ host: z.string(), port: z.number().max(65535, 'a TCP port number, 0-65535 (0 picks a free one)') }));
export type ListenAddress = z.infer<typeof ListenAddress>;

/**
 * One readiness check: resolves when ready, rejects (or throws) when not. The 503 names the checks that failed,
 * never an error's own text, which may hold an address or a server's message.
 */
export type ReadinessCheck = () => Promise<void> | void;

export interface OpsServer {
  /** e.g. http://127.0.0.1:9464, with the port actually bound. */
  url: string;
  close(): Promise<void>;
}

/** How long /readyz waits on its checks before it answers not ready. */
export const READY_TIMEOUT_MS = 2_000;

export async function startOpsServer(options: {
  address: ListenAddress;
  /** Each named check must pass for /readyz to answer 200. */
  ready: Record<string, ReadinessCheck>;
}): Promise<OpsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const answer = (status: number, body: object, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      answer(405, { error: 'GET /healthz or /readyz' }, { allow: 'GET, HEAD' });
      return;
    }
    if (path === '/healthz') {
      answer(200, { ok: true });
      return;
    }
    if (path === '/readyz') {
      void readiness(options.ready).then((failed) =>
        failed.length ? answer(503, { ready: false, failed }, { 'retry-after': '5' }) : answer(200, { ready: true }),
      );
      return;
    }
    answer(404, { error: `no route ${path?.slice(0, 100)}: GET /healthz checks health, /readyz readiness` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the port is in use' : error.message;
      reject(new Error(`cannot listen on ${options.address.host}:${options.address.port}: ${why}`, { cause: error }));
    });
    server.listen(options.address.port, options.address.host, resolve);
  });
  const info = server.address() as AddressInfo;
  const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  return {
    url: `http://${host}:${info.port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The names of the checks that failed or did not answer within READY_TIMEOUT_MS. */
async function readiness(checks: Record<string, ReadinessCheck>): Promise<string[]> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), READY_TIMEOUT_MS);
      });
      try {
        await Promise.race([Promise.resolve().then(check), timeout]);
        return undefined;
      } catch {
        return name;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return results.filter((name): name is string => name !== undefined);
}
