import type { Severity } from '../domain/alert.js';
import type { PlaybookState } from '../domain/report.js';

/** An action named in a notification: its id (what the CLI and the UI's Signals take) and what it does. */
export interface NotifiedAction {
  id: string;
  description: string;
}

/** What the playbook tells the responders' channel; built from the status, so it carries no secrets. */
export type PlaybookEvent =
  | { kind: 'approval-requested'; title: string; severity: Severity; actions: NotifiedAction[] }
  | { kind: 'escalated'; timeout: string; actions: NotifiedAction[] }
  | { kind: 'completed'; state: PlaybookState; summary: string; residualRisks: number };

/** A Slack incoming-webhook body; Teams' incoming webhooks render the markdown `text` and ignore `blocks`. */
export interface NotificationMessage {
  text: string;
  blocks: { type: 'section'; text: { type: 'mrkdwn'; text: string } }[];
}

/** Long plans are cut so the message stays under Slack's 3,000 characters per section. */
const MAX_LISTED_ACTIONS = 15;

export function notificationMessage(
  event: PlaybookEvent,
  where: { workflowId: string; link: string },
): NotificationMessage {
  const { headline, lines } = content(event, where.workflowId);
  // Two renderings of the same lines: CommonMark for `text` (Teams, Slack's fallback), mrkdwn for Slack's blocks.
  const text = [`**${headline}**`, ...lines.map((line) => markdown(line)), `[Open in Temporal UI](${where.link})`];
  const mrkdwn = [
    `*${slackEscape(headline)}*`,
    ...lines.map((line) => slack(line)),
    `<${where.link}|Open in Temporal UI>`,
  ];
  return {
    text: text.join('\n\n'),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: mrkdwn.join('\n') } }],
  };
}

/** A line of plain text with `code` spans marked, rendered per target. */
type Line = (string | { code: string })[];

function content(event: PlaybookEvent, workflowId: string): { headline: string; lines: Line[] } {
  switch (event.kind) {
    case 'approval-requested':
      return {
        headline: `Revoker: ${event.actions.length} containment step(s) await approval (${event.severity})`,
        lines: [
          [`${event.title} — playbook `, { code: workflowId }],
          ...listed(event.actions),
          ['Approve them all: ', { code: `revoker approve ${shellQuote(workflowId)} --all` }],
        ],
      };
    case 'escalated':
      return {
        headline: `Revoker: ${event.actions.length} step(s) escalated — no decision within ${event.timeout}`,
        lines: [
          ['Playbook ', { code: workflowId }, ` waits another ${event.timeout}, then the policy's onTimeout decides.`],
          ...listed(event.actions),
        ],
      };
    case 'completed':
      return {
        headline: `Revoker: playbook ${event.state}`,
        lines: [
          ['Playbook ', { code: workflowId }],
          [event.summary],
          [`Residual risks: ${event.residualRisks} (see the report)`],
        ],
      };
  }
}

function listed(actions: NotifiedAction[]): Line[] {
  const shown = actions.slice(0, MAX_LISTED_ACTIONS).map((a): Line => ['• ', { code: a.id }, ` — ${a.description}`]);
  const more = actions.length - shown.length;
  return more > 0 ? [...shown, [`… and ${more} more`]] : shown;
}

function markdown(line: Line): string {
  return line.map((part) => (typeof part === 'string' ? part : `\`${part.code.replaceAll('`', "'")}\``)).join('');
}

function slack(line: Line): string {
  return line
    .map((part) =>
      typeof part === 'string' ? slackEscape(part) : `\`${slackEscape(part.code.replaceAll('`', "'"))}\``,
    )
    .join('');
}

// Slack's mrkdwn treats <, > and & as control characters (links, mentions): an alert title must not ping @channel.
function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** POSIX single quotes, so the command copies into a shell whatever the id holds. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
