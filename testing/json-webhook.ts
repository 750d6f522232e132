import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JsonWebhook {
  url: string;
  close(): Promise<void>;
}

/**
 * A stand-in incoming webhook (Slack/Teams-like) on a loopback port: each request's body text goes
 * to `answer`, which returns the status to reply with. `unref` lets the process exit while it listens.
 */
export async function startJsonWebhook(
  answer: (body: string) => number,
  options: { path: string; unref?: boolean },
): Promise<JsonWebhook> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = answer(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(status).end(status < 300 ? 'ok' : status === 400 ? 'invalid_payload' : 'injected failure');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  if (options.unref) server.unref();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${options.path}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The body as JSON, or undefined when it is not JSON. */
export function jsonOf(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
