import { signLinkToken } from '../connect/link-token.js';
import type { Verdict } from '../domain/decision.js';
import type { NotifiedAction, PlaybookEvent } from './notify-message.js';

export interface LinkSettings {
  /** Revoker's HTTP server as responders reach it (REVOKER_PUBLIC_URL); links are `<baseUrl>/links/<token>`. */
  baseUrl: string;
  /** The first signs (REVOKER_LINK_SECRETS); the server holds them all. */
  secrets: string[];
  /** Who gets links for actions the policy names no approvers for (REVOKER_LINK_APPROVERS). */
  approvers?: string[];
}

export interface IdentityLinks {
  approver: string;
  links: { verdict: Verdict; url: string }[];
}

/** The one-click links of one notification: never logged, never returned from the activity. */
export interface NotificationLinks {
  expiresAt: string;
  identities: IdentityLinks[];
  /** Approvers left without links (over the caps below): they use the UI or the CLI. */
  more: number;
}

/** Enough for a team's approver group; more would bury the message. */
export const MAX_LINKED_IDENTITIES = 10;
// A link is rendered in the markdown `text` and in a Slack section (3,000 characters at most each),
// and Teams refuses a webhook message over 28 KB: these keep a message with links deliverable.
const MAX_URL_LENGTH = 2_800;
const MAX_TOTAL_URL_LENGTH = 10_000;
/** A link that dies within seconds of arriving is noise. */
const MIN_LIFETIME_MS = 30_000;

/**
 * One approve and one reject link per approver identity (a release link for a completed playbook
 * with releasable steps), each covering exactly the actions that identity may decide, bound to this
 * playbook run and expiring with the window the event names. Undefined when nobody could get a link.
 */
export async function mintLinks(
  event: PlaybookEvent,
  execution: { workflowId: string; runId: string },
  settings: LinkSettings,
  now = new Date(),
): Promise<NotificationLinks | undefined> {
  const secret = settings.secrets[0];
  if (!secret || event.kind === 'watch-hit' || !event.linksExpireAt) return undefined;
  const expiresAt = new Date(event.linksExpireAt);
  if (!(expiresAt.getTime() - now.getTime() >= MIN_LIFETIME_MS)) return undefined;
  const [actions, verdicts] = linkable(event);
  const mayDecide = (action: NotifiedAction) => action.approvers ?? settings.approvers ?? [];

  const identities = new Map<string, string>();
  for (const identity of actions.flatMap(mayDecide)) {
    if (!identities.has(identity.toLowerCase())) identities.set(identity.toLowerCase(), identity);
  }
  const base = settings.baseUrl.replace(/\/+$/, '');
  const minted: IdentityLinks[] = [];
  let total = 0;
  for (const approver of [...identities.values()].slice(0, MAX_LINKED_IDENTITIES)) {
    const ids = actions
      .filter((action) => mayDecide(action).some((who) => who.toLowerCase() === approver.toLowerCase()))
      .map((action) => action.id);
    const links = await Promise.all(
      verdicts.map(async (verdict) => {
        const grant = { ...execution, verdict, actions: ids, approver, expiresAt };
        const { token } = await signLinkToken(secret, grant, now);
        return { verdict, url: `${base}/links/${token}` };
      }),
    );
    const length = links.reduce((sum, link) => sum + link.url.length, 0);
    if (links.some((link) => link.url.length > MAX_URL_LENGTH) || total + length > MAX_TOTAL_URL_LENGTH) continue;
    total += length;
    minted.push({ approver, links });
  }
  if (identities.size === 0) return undefined;
  return { expiresAt: expiresAt.toISOString(), identities: minted, more: identities.size - minted.length };
}

function linkable(event: PlaybookEvent): [NotifiedAction[], Verdict[]] {
  switch (event.kind) {
    case 'approval-requested':
    case 'escalated':
      return [event.actions, ['approve', 'reject']];
    case 'completed':
      return [event.releasable ?? [], ['release']];
    case 'watch-hit':
      return [[], []];
  }
}
