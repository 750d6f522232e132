import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';

/**
 * The payload of the `approve` and `reject` Signals, typed by people into the Temporal UI's
 * "Send a Signal" dialog, so it is validated inside the workflow, e.g.
 * {"approver": "sam@example.com", "actions": "all", "reason": "confirmed with the user"}
 */
export const DecisionRequest = lazySchema(() =>
  z.strictObject({
    approver: z.string().trim().min(1, 'approver names who decides').max(128),
    actions: z.union([z.literal('all'), z.array(z.string().min(1).max(300)).min(1).max(200)], {
      error: 'actions is "all" or a list of action ids from the plan',
    }),
    reason: z.string().max(1000).optional(),
  }),
);
export type DecisionRequest = z.infer<typeof DecisionRequest>;

/** How Revoker's server verified who decides: their one-click link, or their identity token. */
export const VerifiedBy = lazySchema(() => z.enum(['link', 'identity-token']));
export type VerifiedBy = z.infer<typeof VerifiedBy>;

/** `release` undoes the reversible steps named (or "all" of them) after a false positive. */
export const Verdict = lazySchema(() => z.enum(['approve', 'reject', 'release']));
export type Verdict = z.infer<typeof Verdict>;

/** The payload of the `decide` Update (the CLI's and the approval links' path): applied whole or refused with the reason. */
export const DecideRequest = lazySchema(() =>
  DecisionRequest.extend({
    verdict: Verdict,
    /** Set by Revoker's HTTP server for a one-click link: the link's id, so the link works once. */
    link: z.string().min(1).max(64).optional(),
    /**
     * Set by Revoker's HTTP server when it verified the approver: from a one-click link (sent to that
     * approver alone) or an identity token from the configured issuer. Under `trustedIdentities: oidc`
     * the playbook takes no other decision.
     */
    verifiedBy: VerifiedBy.optional(),
    /**
     * Revoker's server's Ed25519 signature (hex) over the decision as sent (`sealedText`), by the key whose
     * public half the policy lists in `verifierKeys`: what makes `verifiedBy` more than a claim. Anyone who
     * can send an Update can write `verifiedBy`; only the server can seal it.
     */
    seal: z
      .string()
      .regex(/^[0-9a-f]{128}$/, "seal is the Ed25519 signature of Revoker's server, 128 hex digits")
      .optional(),
  }),
);
export type DecideRequest = z.infer<typeof DecideRequest>;

/** What a seal signs: the decision bound to its playbook, so a seal neither moves to another playbook nor to other steps. */
export function sealedText(workflowId: string, request: DecideRequest): string {
  const { verdict, approver, actions, reason, link, verifiedBy } = request;
  return JSON.stringify([
    'revoker-decision-seal/1',
    workflowId,
    verdict,
    approver,
    actions,
    reason ?? null,
    link ?? null,
    verifiedBy ?? null,
  ]);
}

/** A decision as recorded in the playbook: who, what, when, why, and what it applied to. */
export interface Decision {
  verdict: Verdict;
  approver: string;
  /** The action ids the decision settled (after "all" was expanded). */
  actions: string[];
  reason?: string;
  at: string;
  /** Set when nothing was decided, with why (bad payload, unknown or already-settled actions). */
  ignored?: string;
  /** Set when part of the request was applied and part was not, with why. */
  note?: string;
  /** The id of the one-click link the decision came through. */
  link?: string;
  /** How Revoker's server verified the approver; absent: the approver named themselves. */
  verifiedBy?: VerifiedBy;
}
