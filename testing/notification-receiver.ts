import { createServer } from 'node:http';

/** What a stand-in chat webhook received, and its fault switch. */
export interface NotificationReceiver {
  /** Bodies accepted (2xx), oldest first. */
  received: unknown[];
  /** Answers the next `n` posts with 500 (Infinity: until cleared). */
  failNext(n: number): void;
  /** Forgets what was received and stops failing. */
  clear(): void;
}

/** A tiny Slack-like incoming webhook on a loopback port that records what it accepts and fails on request. */
export async function startNotificationReceiver(): Promise<{
  url: string;
  notifications: NotificationReceiver;
  close(): Promise<void>;
}> {
  let failures = 0;
  const notifications: NotificationReceiver = {
    received: [],
    failNext: (n) => void (failures = n),
    clear: () => {
      notifications.received.splice(0);
      failures = 0;
    },
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (failures > 0) {
        failures -= 1;
        response.writeHead(500).end('injected failure');
        return;
      }
      try {
        notifications.received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        response.writeHead(200).end('ok');
      } catch {
        response.writeHead(400).end('invalid_payload');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/test-secret`,
    notifications,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
