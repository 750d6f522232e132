/**
 * The triage card: what a responder reads of a principal in ten seconds before deciding — who it is,
 * what it can reach, when its key was last used. Filled from discovery (domain/discovery.ts) and shown
 * in Current Details, `revoker status` and the link page; each step's reason is shown beside it.
 */
export interface TriageCard {
  /** The name people know it by: the app's display name, the user's UPN, the service account's email. */
  name: string;
  /** The canonical id, as the provider names it: an ARN, an object id, a key name. */
  id: string;
  /** What it is, in a few words: "IAM user", "Entra app (multi-tenant, home tenant …)". */
  kind: string;
  /** What it can reach, one short line each (policies, consented scopes and how many users granted them, roles). */
  reach: string[];
  /** Reach lines not shown, when there were more than the card keeps. */
  reachMore?: number;
  /** When its key (or credential) was last used, where and on what, if the provider says. */
  lastUsed?: { at: string; region?: string; service?: string; credential?: string };
  /** Other facts worth a glance: "enabled", "2 active keys", "admin". */
  facts: string[];
}

/** Reach lines a card keeps (the rest are counted in `reachMore`). */
export const CARD_REACH_KEPT = 8;
