import { jsonOf, startJsonWebhook } from './json-webhook.js';

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
  const webhook = await startJsonWebhook(
    (body) => {
      if (failures > 0) {
        failures -= 1;
        return 500;
      }
      const json = jsonOf(body);
      if (json === undefined) return 400;
      notifications.received.push(json);
      return 200;
    },
    { path: '/services/T000/B000/test-secret' },
  );
  return { url: webhook.url, notifications, close: () => webhook.close() };
}
