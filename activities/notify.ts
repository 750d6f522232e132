import { Context } from '@temporalio/activity';
import { workflowUiUrl } from '../client/start-playbook.js';
import { classifyActivities, InvalidRequestError, NotificationFailedError } from './errors.js';
import { notificationMessage, type PlaybookEvent } from './notify-message.js';

export interface NotifyActivityDeps {
  /** A Slack or Teams incoming-webhook URL; it holds a secret, so it is never logged or put in an error. */
  url?: string;
  /** The Temporal Web UI base URL, for the deep link in every message. */
  uiBaseUrl: string;
  fetch?: typeof fetch;
}

/** Below the workflow's start-to-close timeout, so a hung webhook fails the attempt here with a clear error. */
const REQUEST_TIMEOUT_MS = 5_000;

export function createNotifyActivities(deps: NotifyActivityDeps) {
  const post = deps.fetch ?? fetch;
  return classifyActivities(
    {
      notify: async (event: PlaybookEvent): Promise<{ sent: boolean }> => {
        if (!deps.url) return { sent: false };
        const { namespace, workflowExecution } = Context.current().info;
        if (!workflowExecution) throw new InvalidRequestError('notify is scheduled by a playbook, not on its own');
        const { workflowId } = workflowExecution;
        const message = notificationMessage(event, {
          workflowId,
          link: workflowUiUrl(deps.uiBaseUrl, namespace, workflowId),
        });
        let response: Response;
        try {
          response = await post(deps.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(message),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
        } catch (error) {
          // Only the error's name: fetch's messages and causes can quote the URL, which holds the webhook's secret.
          const why = error instanceof Error ? error.name : 'unknown error';
          throw new NotificationFailedError(`the notification webhook (REVOKER_NOTIFY_URL) did not answer: ${why}`);
        }
        await response.body?.cancel();
        if (response.status === 429 || response.status >= 500) {
          throw new NotificationFailedError(
            `the notification webhook (REVOKER_NOTIFY_URL) answered HTTP ${response.status}`,
          );
        }
        // A 4xx (a revoked or mistyped webhook) will not heal by retrying: say so once and stop.
        if (!response.ok) {
          throw new InvalidRequestError(
            `the notification webhook (REVOKER_NOTIFY_URL) refused the message with HTTP ${response.status}: check the URL`,
          );
        }
        return { sent: true };
      },
    },
    () => undefined,
  );
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;
