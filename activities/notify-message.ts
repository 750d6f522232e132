import type { Severity } from '../domain/alert.js';
import type { Verdict } from '../domain/decision.js';
import type { PlaybookState } from '../domain/report.js';
import type { NotificationLinks } from './notify-links.js';

/** An action named in a notification: its id (what the CLI and the UI's Signals take) and what it does. */
export interface NotifiedAction {
  id: string;
  description: string;
  /**
   * Who may decide it, by identity (the members of the policy's approver groups for its kind), for
   * one-click links; absent when the policy names no approvers.
   */
  approvers?: string[];
}

/**
 * What the playbook tells the responders' channel; built from the status, so it carries no secrets.
 * `linksExpireAt` is the end of the window in which one-click links are honoured (the approval window,
 * or the release window); absent: no links.
 */
export type PlaybookEvent = (
  | { kind: 'approval-requested'; title: string; severity: Severity; actions: NotifiedAction[]; linksExpireAt?: string }
  | { kind: 'escalated'; timeout: string; actions: NotifiedAction[]; linksExpireAt?: string }
  | {
      kind: 'completed';
      state: PlaybookState;
      /** The state as people read it (domain/outcome.ts stateLabel): `Contained (already)`. */
      label?: string;
      summary: string;
      residualRisks: number;
      /** The first few residual risks (domain/residual.ts), of `residualRisks` in all. */
      risks?: string[];
      /** The reversible steps a `release` would undo, while the playbook stays open for one. */
      releasable?: NotifiedAction[];
      linksExpireAt?: string;
      /** The watch's closing line, when the incident was watched after containment. */
      proof?: string;
    }
  | {
      /** The watch saw a contained credential used after its cut-off. */
      kind: 'watch-hit';
      /** How many calls this poll saw, and how many of them the provider refused. */
      count: number;
      refused: number;
      /** The latest, as "GetCallerIdentity by ASIA… at 2026-…" lines. */
      calls: string[];
      /** What the incident does now. */
      next: string;
      linksExpireAt?: undefined;
    }
) & {
  /** The incident's short handle (`INC-7F3K2Q`), which every message names it by; absent for older runs. */
  handle?: string;
};

/** A Slack incoming-webhook body; Teams' incoming webhooks render the markdown `text` and ignore `blocks`. */
export interface NotificationMessage {
  text: string;
  blocks: { type: 'section'; text: { type: 'mrkdwn'; text: string } }[];
}

/** Long plans are cut so the message stays under Slack's 3,000 characters per section. */
const MAX_LISTED_ACTIONS = 15;
/** Slack refuses a section whose text is longer. */
const MAX_SECTION_LENGTH = 3_000;

/**
 * The channel's message (`privately`: how many approvers got their links by direct message), or, with
 * `links` for one approver, that approver's direct message: the same facts and their own links.
 */
export function notificationMessage(
  event: PlaybookEvent,
  where: { workflowId: string; link: string; links?: NotificationLinks; privately?: number },
): NotificationMessage {
  const { headline, lines } = content(event, where.workflowId, event.handle);
  const linked = where.links
    ? linkLines(event, where.links)
    : where.privately
      ? [[`One-click links went to ${where.privately} approver(s) by direct message, each only their own.`]]
      : [];
  // Two renderings of the same lines: CommonMark for `text` (Teams, Slack's fallback), mrkdwn for Slack's blocks.
  const text = [
    `**${headline}**`,
    ...lines.map((line) => markdown(line)),
    `[Open in Temporal UI](${where.link})`,
    ...linked.map((line) => markdown(line)),
  ];
  const mrkdwn = [
    `*${slackEscape(headline)}*`,
    ...lines.map((line) => slack(line)),
    `<${where.link}|Open in Temporal UI>`,
  ];
  return {
    text: text.join('\n\n'),
    blocks: [mrkdwn.join('\n'), ...sections(linked)].map((section) => ({
      type: 'section',
      text: { type: 'mrkdwn', text: section },
    })),
  };
}

/** A line of plain text with `code` spans and links marked, rendered per target. */
type Line = (string | { code: string } | { href: string; label: string })[];

const VERB: Record<Verdict, string> = { approve: 'Approve', reject: 'Reject', release: 'Release' };

/** "Approve as sam@example.com · Reject as sam@example.com", one line per approver (in a direct message, one). */
function linkLines(event: PlaybookEvent, links: NotificationLinks): Line[] {
  const until = links.expiresAt.replace(/\.\d+Z$/, 'Z');
  const whose = links.identities.length === 1 ? 'your own links, do not forward them' : 'one link per approver';
  const intro =
    event.kind === 'completed'
      ? `Not an incident? Undo the reversible steps until ${until} — ${whose}, each works once:`
      : `Decide in one click until ${until} — ${whose}, each works once and opens a confirmation page:`;
  const more = links.more > 0 ? [[`… ${links.more} more approver(s): use the UI or the CLI`]] : [];
  return [
    [intro],
    ...links.identities.map(({ approver, links: own }) =>
      own.flatMap(({ verdict, url }, i): Line => [
        ...(i > 0 ? [' · '] : []),
        { href: url, label: `${VERB[verdict]} as ${approver}` },
      ]),
    ),
    ...more,
  ];
}

/** Slack sections of link lines, each under Slack's limit; a line too long for one is split at its links. */
function sections(lines: Line[]): string[] {
  const pieces = lines.flatMap((line) => {
    const whole = slack(line);
    if (whole.length <= MAX_SECTION_LENGTH) return [whole];
    return line.filter((part) => typeof part === 'object' && 'href' in part).map((part) => slack([part]));
  });
  const packed: string[] = [];
  for (const piece of pieces) {
    const last = packed.length - 1;
    if (last >= 0 && (packed[last] as string).length + 1 + piece.length <= MAX_SECTION_LENGTH) {
      packed[last] = `${packed[last] as string}\n${piece}`;
    } else packed.push(piece);
  }
  return packed;
}

function content(event: PlaybookEvent, workflowId: string, handle?: string): { headline: string; lines: Line[] } {
  // Named by its handle, what responders type and say, with the id beside it for the Temporal UI's search.
  const incident: Line = handle
    ? ['Incident ', { code: handle }, ' — playbook ', { code: workflowId }]
    : ['Playbook ', { code: workflowId }];
  const revoker = handle ? `Revoker ${handle}` : 'Revoker';
  const reference = handle ?? shellQuote(workflowId);
  switch (event.kind) {
    case 'approval-requested':
      return {
        headline: `${revoker}: ${event.actions.length} containment step(s) await approval (${event.severity})`,
        lines: [
          [event.title],
          incident,
          ...listed(event.actions),
          ['Approve them all: ', { code: `revoker approve ${reference} --all` }],
        ],
      };
    case 'escalated':
      return {
        headline: `${revoker}: ${event.actions.length} step(s) escalated — no decision within ${event.timeout}`,
        lines: [
          [...incident, ` waits another ${event.timeout}, then the policy's onTimeout decides.`],
          ...listed(event.actions),
        ],
      };
    case 'watch-hit':
      return {
        headline:
          event.refused === event.count
            ? `${revoker}: a contained credential was tried after the cut-off (${event.count} call(s), all refused)`
            : `${revoker}: CONTAINMENT BREACHED — a contained credential worked after the cut-off (${event.count - event.refused} call(s))`,
        lines: [incident, ...event.calls.slice(0, MAX_LISTED_ACTIONS).map((c): Line => [`• ${c}`]), [event.next]],
      };
    case 'completed':
      return {
        headline: `${revoker}: playbook ${event.label ?? event.state}`,
        lines: [
          incident,
          [event.summary],
          [
            event.residualRisks === 0
              ? 'Residual risks: none'
              : `Residual risks: ${event.residualRisks}${(event.risks?.length ?? 0) < event.residualRisks ? ' (all in the report)' : ''}`,
          ],
          ...(event.risks ?? []).map((risk): Line => [`• ${risk}`]),
          ...(event.proof ? [[event.proof] as Line] : []),
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
  return line
    .map((part) => {
      if (typeof part === 'string') return part;
      if ('code' in part) return `\`${part.code.replaceAll('`', "'")}\``;
      const label = part.label.replace(/[\\[\]*_`<>]/g, (c) => `\\${c}`);
      return `[${label}](${part.href.replaceAll('(', '%28').replaceAll(')', '%29').replaceAll(' ', '%20')})`;
    })
    .join('');
}

function slack(line: Line): string {
  return line
    .map((part) => {
      if (typeof part === 'string') return slackEscape(part);
      if ('code' in part) return `\`${slackEscape(part.code.replaceAll('`', "'"))}\``;
      return `<${slackEscape(part.href)}|${slackEscape(part.label.replaceAll('|', '¦'))}>`;
    })
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
