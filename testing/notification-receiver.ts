import { jsonOf, startJsonWebhook } from './json-webhook.js';
import { startSlackApi, type DirectMessage } from '../simulators/slack/index.js';

/** What a stand-in chat received (the channel's webhook and each approver's direct messages), and its fault switch. */
export interface NotificationReceiver {
  /** Channel bodies accepted (2xx), oldest first. */
  received: unknown[];
  /** The direct messages sent to this person (their email, any case), oldest first: where one-click links go. */
  inbox(email: string): DirectMessage[];
  /** Answers the next `n` channel posts with 500 (Infinity: until cleared). */
  failNext(n: number): void;
  /** Forgets what was received and stops failing. */
  clear(): void;
}

/**
 * A tiny Slack-like incoming webhook on a loopback port that records what it accepts and fails on
 * request, and a stand-in of Slack's Web API for direct messages (`slack`: its URL and bot token).
 */
export async function startNotificationReceiver(): Promise<{
  url: string;
  slack: { apiUrl: string; botToken: string };
  notifications: NotificationReceiver;
  close(): Promise<void>;
}> {
  let failures = 0;
  const slack = await startSlackApi();
  const notifications: NotificationReceiver = {
    received: [],
    inbox: (email) => slack.inbox(email),
    failNext: (n) => void (failures = n),
    clear: () => {
      notifications.received.splice(0);
      slack.clear();
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
  return {
    url: webhook.url,
    slack: { apiUrl: slack.apiUrl, botToken: slack.botToken },
    notifications,
    close: () => Promise.all([webhook.close(), slack.close()]).then(() => undefined),
  };
}
