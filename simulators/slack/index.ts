import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A direct message as the stand-in's member received it. */
export interface DirectMessage {
  text: string;
  blocks: { type: string; text: { type: string; text: string } }[];
}

/** A Slack simulator: the two Web API methods that send a person a direct message, with one inbox per member. */
export interface SlackApi {
  /** The Web API base, e.g. `http://127.0.0.1:4321/api`. */
  apiUrl: string;
  /** The bot token it accepts. */
  botToken: string;
  /** The messages sent to the member with this email (any case), oldest first. */
  inbox(email: string): DirectMessage[];
  /** Every member who has received something. */
  members(): string[];
  /** Emails the workspace does not know (users.lookupByEmail answers users_not_found). */
  unknown: Set<string>;
  clear(): void;
  close(): Promise<void>;
}

/** Slack matches emails without regard to case: one member, one id, one inbox. */
const memberId = (email: string) =>
  `U${createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 10).toUpperCase()}`;

/**
 * `users.lookupByEmail` (form body) and `chat.postMessage` (JSON, `channel` a member id: the app's
 * direct conversation with them) as Slack answers them: HTTP 200 with `{ok:false, error}` for a
 * refused call, `invalid_auth` without the bot token.
 */
export async function startSlackApi(
  options: { unref?: boolean; botToken?: string; onMessage?: (email: string, message: DirectMessage) => void } = {},
): Promise<SlackApi> {
  const botToken = options.botToken ?? 'xoxb-sandbox-direct-messages';
  const inboxes = new Map<string, { email: string; messages: DirectMessage[] }>();
  const unknown = new Set<string>();
  const server = createServer((request, response) => {
    void body(request).then((text) => {
      const answer = (json: Record<string, unknown>) =>
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (request.headers.authorization !== `Bearer ${botToken}`) return answer({ ok: false, error: 'invalid_auth' });
      if (request.method === 'POST' && request.url === '/api/users.lookupByEmail') {
        const email = new URLSearchParams(text).get('email') ?? '';
        if (!email.includes('@') || unknown.has(email.toLowerCase())) {
          return answer({ ok: false, error: 'users_not_found' });
        }
        const id = memberId(email);
        if (!inboxes.has(id)) inboxes.set(id, { email: email.toLowerCase(), messages: [] });
        return answer({ ok: true, user: { id, profile: { email } } });
      }
      if (request.method === 'POST' && request.url === '/api/chat.postMessage') {
        let json: { channel?: unknown; text?: unknown; blocks?: unknown } = {};
        try {
          json = JSON.parse(text) as typeof json;
        } catch {
          return answer({ ok: false, error: 'invalid_json' });
        }
        const inbox = typeof json.channel === 'string' ? inboxes.get(json.channel) : undefined;
        if (!inbox) return answer({ ok: false, error: 'channel_not_found' });
        if (typeof json.text !== 'string') return answer({ ok: false, error: 'no_text' });
        const message = { text: json.text, blocks: (json.blocks ?? []) as DirectMessage['blocks'] };
        inbox.messages.push(message);
        options.onMessage?.(inbox.email, message);
        return answer({ ok: true, channel: json.channel, ts: `${Date.now() / 1000}` });
      }
      return answer({ ok: false, error: 'unknown_method' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  if (options.unref) server.unref();
  return {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    botToken,
    inbox: (email) => inboxes.get(memberId(email))?.messages ?? [],
    members: () => [...inboxes.values()].filter((i) => i.messages.length).map((i) => i.email),
    unknown,
    clear: () => {
      inboxes.clear();
      unknown.clear();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function body(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', () => resolve(''));
  });
}
