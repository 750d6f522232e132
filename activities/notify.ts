import { Context } from '@temporalio/activity';
import { workflowUiUrl } from '../connect/ui-url.js';
import { classifyActivities, InvalidRequestError, NotificationFailedError } from './errors.js';
import type { DirectMessages } from './notify-direct.js';
import { mintLinks, type LinkSettings, type NotificationLinks } from './notify-links.js';
import { notificationMessage, type PlaybookEvent } from './notify-message.js';

export interface NotifyActivityDeps {
  /** A Slack or Teams incoming-webhook URL; it holds a secret, so it is never logged or put in an error. */
  url?: string;
  /** The Temporal Web UI base URL, for the deep link in every message. */
  uiBaseUrl: string;
  /**
   * Signed one-click approve/reject/release links, each sent to its approver alone through `direct`;
   * without both, none. The channel's message never carries them.
   */
  links?: LinkSettings;
  /** Private delivery to each approver (Slack direct messages). */
  direct?: DirectMessages;
  fetch?: typeof fetch;
}

/** Below the workflow's start-to-close timeout, so a hung webhook fails the attempt here with a clear error. */
const REQUEST_TIMEOUT_MS = 5_000;

export function createNotifyActivities(deps: NotifyActivityDeps) {
  const post = deps.fetch ?? fetch;
  return classifyActivities(
    {
      notify: async (event: PlaybookEvent): Promise<{ sent: boolean }> => {
        const { info, log } = Context.current();
        const { namespace, workflowExecution } = info;
        if (!workflowExecution) throw new InvalidRequestError('notify is scheduled by a playbook, not on its own');
        const { workflowId } = workflowExecution;
        const where = { workflowId, link: workflowUiUrl(deps.uiBaseUrl, namespace, workflowId) };
        // The links are bearer credentials: each goes to its approver only, never into a log, an error or the result.
        let links: NotificationLinks | undefined;
        if (deps.links && deps.direct) {
          try {
            links = await mintLinks(event, workflowExecution, deps.links);
          } catch (error) {
            // A message without links still tells the channel; the UI and the CLI still decide.
            log.warn('notification sent without one-click links', { why: (error as Error).name });
          }
        }
        let privately = 0;
        for (const identity of links?.identities ?? []) {
          const own: NotificationLinks = { expiresAt: links?.expiresAt ?? '', identities: [identity], more: 0 };
          const sent = await deps.direct?.send(identity.approver, notificationMessage(event, { ...where, links: own }));
          if (sent === 'sent') privately += 1;
          else log.warn('no direct-message recipient for an approver: they use the UI or the CLI');
        }
        if (!deps.url) return { sent: privately > 0 };
        const message = notificationMessage(event, { ...where, privately });
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
