import { z } from 'zod';
import { InvalidRequestError, NotificationFailedError } from './errors.js';
import type { NotificationMessage } from './notify-message.js';

/**
 * Private delivery to one person: one-click links are bearer credentials bound to one approver, so
 * they go to that approver alone, never to the shared channel (where anyone could click "Approve as
 * sam" and then "Approve as kim").
 */
export interface DirectMessages {
  /** Sends `message` to the person `to` (an email address); `unknown` when the workspace has no such person. */
  send(to: string, message: NotificationMessage): Promise<'sent' | 'unknown'>;
}

export interface SlackDirectSettings {
  /** Slack's Web API base (REVOKER_SLACK_API_URL), https://slack.com/api by default; the sandbox serves a stand-in. */
  apiUrl?: string;
  /** A bot token (REVOKER_SLACK_BOT_TOKEN) with the users:read.email and chat:write scopes; never logged. */
  botToken: string;
  fetch?: typeof fetch;
}

const REQUEST_TIMEOUT_MS = 5_000;
const SlackAnswer = z.looseObject({ ok: z.boolean(), error: z.string().optional() });
const LookupAnswer = SlackAnswer.extend({ user: z.looseObject({ id: z.string().min(1) }).optional() });
/** Slack's errors that a retry can fix (https://docs.slack.dev/apis/web-api/#errors); the rest need the operator. */
const TRANSIENT = new Set(['ratelimited', 'service_unavailable', 'fatal_error', 'internal_error', 'request_timeout']);

/**
 * Direct messages through Slack's Web API: `users.lookupByEmail` finds the approver's member id
 * (scope users:read.email), then `chat.postMessage` with that id as `channel` posts in the app's
 * direct conversation with them (scope chat:write), which only they see.
 */
export function slackDirectMessages(settings: SlackDirectSettings): DirectMessages {
  const base = (settings.apiUrl ?? 'https://slack.com/api').replace(/\/+$/, '');
  const post = settings.fetch ?? fetch;
  const call = async (method: string, body: URLSearchParams | string) => {
    let response: Response;
    try {
      response = await post(`${base}/${method}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${settings.botToken}`,
          'content-type':
            typeof body === 'string' ? 'application/json; charset=utf-8' : 'application/x-www-form-urlencoded',
        },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const why = error instanceof Error ? error.name : 'unknown error';
      throw new NotificationFailedError(`Slack's ${method} (REVOKER_SLACK_API_URL) did not answer: ${why}`);
    }
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      throw new NotificationFailedError(`Slack's ${method} answered HTTP ${response.status}`);
    }
    const json: unknown = await response.json().catch(() => undefined);
    return { status: response.status, json };
  };
  const refused = (method: string, error: string | undefined, status: number) => {
    const why = `Slack's ${method} refused the call (${error ?? `HTTP ${status}`})`;
    if (error && TRANSIENT.has(error)) return new NotificationFailedError(why);
    return new InvalidRequestError(
      `${why}: check REVOKER_SLACK_BOT_TOKEN and its scopes (users:read.email, chat:write)`,
    );
  };
  return {
    async send(to, message) {
      const lookup = await call('users.lookupByEmail', new URLSearchParams({ email: to }));
      const found = LookupAnswer.safeParse(lookup.json);
      if (found.success && !found.data.ok && found.data.error === 'users_not_found') return 'unknown';
      if (!found.success || !found.data.ok || !found.data.user) {
        throw refused('users.lookupByEmail', found.data?.error, lookup.status);
      }
      const sent = await call('chat.postMessage', JSON.stringify({ channel: found.data.user.id, ...message }));
      const answer = SlackAnswer.safeParse(sent.json);
      if (!answer.success || !answer.data.ok) throw refused('chat.postMessage', answer.data?.error, sent.status);
      return 'sent';
    },
  };
}
