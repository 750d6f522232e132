import { createServer, type IncomingMessage } from 'node:http';
import { closeServer, hostPort, listen } from './serve.js';

/** A provider that has hung: it accepts every connection, reads the request and never answers. */
export interface SilentServer {
  url: string;
  /** Requests received so far, and how many of them the client has since given up on (closed). */
  requests(): { received: number; abandoned: number };
  /** Resolves once the client has closed `count` requests. */
  abandoned(count?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSilentServer(host = '127.0.0.1'): Promise<SilentServer> {
  const held: IncomingMessage[] = [];
  let abandoned = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((request) => {
    held.push(request);
    request.resume();
    request.socket.once('close', () => {
      abandoned += 1;
      for (const waiter of waiters.filter((w) => abandoned >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  });
  const port = await listen(server, host, 0);
  return {
    url: `http://${hostPort(host, port)}`,
    requests: () => ({ received: held.length, abandoned }),
    abandoned: (count = 1) =>
      abandoned >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    close: () => closeServer(server, () => undefined),
  };
}
