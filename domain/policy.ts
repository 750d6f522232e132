import { z } from 'zod';
import { ACTION_KINDS, ActionKind, Mode } from './action.js';
import type { Severity } from './alert.js';
import { AllowlistEntry } from './allowlist.js';
import { DurationText } from './duration.js';
import { lazySchema } from './lazy-schema.js';

const SeverityModes = lazySchema(() =>
  z.strictObject({
    low: Mode.optional(),
    medium: Mode.optional(),
    high: Mode.optional(),
    critical: Mode.optional(),
  }),
);

/** The sweep and the watch (domain/sweep-plan.ts): what they read, for how long, and how findings are contained. */
export const SweepPolicy = lazySchema(() =>
  z.strictObject({
    enabled: z.boolean().default(true),
    /**
     * `approval` (the default): every step a finding leads to waits for a human, whatever `actions` says —
     * a finding is the sweep's inference, not the alert's word. `policy`: findings' steps follow `actions`.
     */
    findings: z.enum(['approval', 'policy']).default('approval'),
    /** How far before the earliest alert the trail is read (CloudTrail keeps 90 days). */
    lookback: DurationText.default('72h'),
    /** The watch lasts as long as the longest residual window of the done steps, and never longer than this. */
    watchAtMost: DurationText.default('24h'),
    /** How often the watch reads the trails. */
    pollEvery: DurationText.default('5m'),
    /** How late a trail delivers (CloudTrail: about 5 minutes, up to 15): the watch lasts at least this long. */
    settle: DurationText.default('15m'),
  }),
);
export type SweepPolicy = z.infer<typeof SweepPolicy>;

/** The sweep's settings of a policy, defaults filled in. */
export function sweepPolicyOf(policy: Pick<Policy, 'sweep'>): SweepPolicy {
  return SweepPolicy.parse(policy.sweep ?? {});
}

/**
 * How long the audit trail must last. A playbook's report lives only in its workflow result, and Temporal deletes a
 * closed workflow once the namespace's retention has passed: `revoker setup` refuses a namespace that keeps
 * workflows for less than `retentionDays`.
 */
export const AuditPolicy = lazySchema(() =>
  z.strictObject({
    /** Days a closed playbook's report must stay readable. 30: Temporal Cloud's default retention (its most is 90). */
    retentionDays: z.number().int().min(1, 'at least 1 day').max(3650, 'at most 3650 days').default(30),
  }),
);
export type AuditPolicy = z.infer<typeof AuditPolicy>;

/** The audit settings of a policy, defaults filled in. */
export function auditPolicyOf(policy: Pick<Policy, 'audit'>): AuditPolicy {
  return AuditPolicy.parse(policy.audit ?? {});
}

/** Per action kind: one mode for every severity, or a mode per severity (unlisted severities wait for approval). */
export const ModeRule = lazySchema(() => z.union([Mode, SeverityModes]));
export type ModeRule = z.infer<typeof ModeRule>;

/**
 * What runs automatically, what waits for a human, and for how long. The worker's client loads it and
 * snapshots it into each playbook's input, so a run is reproducible from its history alone.
 */
export const Policy = lazySchema(() =>
  z
    .strictObject({
      version: z.literal(1),
      actions: z.partialRecord(ActionKind, ModeRule).default({}),
      approvalTimeout: DurationText.default('4h'),
      allowlist: z.array(AllowlistEntry).default([]),
      /** Who may decide. Absent: anyone who can signal the workflow (the sandbox); set it in production. */
      approvers: z
        .strictObject({
          groups: z.record(z.string(), z.array(z.string().min(1)).min(1)),
          default: z.array(z.string()).min(1),
          byAction: z.partialRecord(ActionKind, z.array(z.string()).min(1)).default({}),
          /**
           * Other names of the same person (`sam@example.com: [sam, samuel@corp.example]`): they count
           * once for four eyes. Names are compared without regard to case in any event.
           */
          aliases: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).optional(),
        })
        .optional(),
      /**
       * Whose word the playbook takes for who decides. `temporal-namespace` (absent): anyone who can send
       * a Signal or Update in the namespace names themselves. `oidc`: only decisions whose approver
       * Revoker's server verified (a one-click link sent to that approver alone, or an identity token
       * from the configured issuer); the UI's Signals and unverified Updates are refused.
       */
      trustedIdentities: z.enum(['temporal-namespace', 'oidc']).optional(),
      /**
       * Public keys of Revoker's server (`ed25519:<64 hex digits>`; more than one while a key rotates): a
       * decision marked `verifiedBy` counts only with the seal of one of them. The webhook adds its own key
       * to the policy of each playbook it starts; under `oidc` a verified decision needs one.
       */
      verifierKeys: z
        .array(z.string().regex(/^ed25519:[0-9a-f]{64}$/, 'a verifier key is ed25519: and 64 hex digits'))
        .min(1)
        .max(8)
        .optional(),
      /**
       * When a step gets no decision within approvalTimeout it is escalated and waits once more as long;
       * then it proceeds or is aborted, per action kind (unlisted kinds abort).
       */
      onTimeout: z.partialRecord(ActionKind, z.enum(['proceed', 'abort'])).default({}),
      /** How many distinct approvers a destructive step needs (2 = four eyes). */
      fourEyes: z.number().int().min(1).max(5).default(1),
      /**
       * How long a contained playbook stays open for a `release` (false positive) before it closes with
       * its report; "0s" closes at once and no release is possible.
       */
      releaseWindow: DurationText.default('24h'),
      /**
       * After containment: read the audit trails for what the stolen credentials created (the sweep), and
       * watch them for use after the cut-off. Absent: on, with the defaults below.
       */
      sweep: SweepPolicy.optional(),
      /** How long reports must stay readable after a playbook closes (the namespace's retention). Absent: 30 days. */
      audit: AuditPolicy.optional(),
    })
    .superRefine((policy, ctx) => {
      const groups = policy.approvers?.groups ?? {};
      const named = [
        ...(policy.approvers?.default ?? []).map((g, i) => [g, ['approvers', 'default', i]] as const),
        ...Object.entries(policy.approvers?.byAction ?? {}).flatMap(([kind, list]) =>
          (list ?? []).map((g, i) => [g, ['approvers', 'byAction', kind, i]] as const),
        ),
      ];
      for (const [group, path] of named) {
        if (!(group in groups))
          ctx.addIssue({ code: 'custom', path: [...path], message: `no group named "${group}" in approvers.groups` });
      }
      const aliasOf = new Map<string, string>();
      for (const [person, names] of Object.entries(policy.approvers?.aliases ?? {})) {
        for (const [i, name] of [person, ...names].entries()) {
          const other = aliasOf.get(name.toLowerCase());
          if (other !== undefined && other !== person.toLowerCase()) {
            ctx.addIssue({
              code: 'custom',
              path: ['approvers', 'aliases', person, ...(i ? [i - 1] : [])],
              message: `"${name}" is already a name of ${other}: one name, one person`,
            });
          }
          aliasOf.set(name.toLowerCase(), person.toLowerCase());
        }
      }
      for (const [kind, outcome] of Object.entries(policy.onTimeout ?? {})) {
        if (outcome === 'proceed' && ACTION_KINDS[kind as ActionKind].destructive) {
          ctx.addIssue({
            code: 'custom',
            path: ['onTimeout', kind],
            message: `${kind} is destructive and cannot proceed without a decision: use "abort"`,
          });
        }
      }
      for (const [kind, rule] of Object.entries(policy.actions)) {
        if (!ACTION_KINDS[kind as ActionKind].destructive) continue;
        const modes = typeof rule === 'string' ? [rule] : Object.values(rule);
        if (modes.includes('auto')) {
          ctx.addIssue({
            code: 'custom',
            path: ['actions', kind],
            message: `${kind} is destructive and cannot be "auto": use "approval" or "skip"`,
          });
        }
      }
    }),
);
export type Policy = z.infer<typeof Policy>;

/** Reversible containment runs at once for high and critical alerts; anything destructive waits for a human. */
export const DEFAULT_POLICY: Policy = {
  version: 1,
  approvalTimeout: '4h',
  allowlist: [],
  fourEyes: 1,
  onTimeout: {},
  actions: {
    'aws.deactivateAccessKey': { high: 'auto', critical: 'auto' },
    'aws.denyUserSessions': { high: 'auto', critical: 'auto' },
    'aws.revokeRoleSessions': { high: 'auto', critical: 'auto' },
    'aws.revokeUserSessions': { high: 'auto', critical: 'auto' },
    'aws.deleteAccessKey': 'approval',
    'entra.revokeUserSessions': { high: 'auto', critical: 'auto' },
    'entra.disableUser': { critical: 'auto' },
    'entra.disableServicePrincipal': { high: 'auto', critical: 'auto' },
    'entra.removeServicePrincipalCredentials': 'approval',
    'entra.deleteConsentGrants': 'approval',
    'gcp.disableKey': { high: 'auto', critical: 'auto' },
    'gcp.deleteKey': 'approval',
    'gcp.disableServiceAccount': { critical: 'auto' },
    'workspace.deleteAppToken': { high: 'auto', critical: 'auto' },
    'workspace.signOutUser': { high: 'auto', critical: 'auto' },
    'workspace.suspendUser': 'approval',
    'workspace.deleteAppTokensEverywhere': 'approval',
    'kubernetes.deleteTokenSecret': { high: 'auto', critical: 'auto' },
    'kubernetes.deletePod': 'approval',
    'kubernetes.recreateServiceAccount': 'approval',
    'kubernetes.removeBindings': 'approval',
    // A release is requested by an approver: that is the human decision. "approval" asks a second person.
    'aws.reactivateAccessKey': 'auto',
    'aws.removeUserDeny': 'auto',
    'aws.removeRoleRevocation': 'auto',
    'aws.removeUserSessionRevocation': 'auto',
    'entra.enableUser': 'auto',
    'entra.enableServicePrincipal': 'auto',
    'gcp.enableKey': 'auto',
    'gcp.enableServiceAccount': 'auto',
    'workspace.unsuspendUser': 'auto',
    'kubernetes.restoreBindings': 'auto',
  },
  releaseWindow: '24h',
};

export function modeFor(policy: Policy, kind: ActionKind, severity: Severity): Mode {
  const rule = policy.actions[kind];
  const mode = typeof rule === 'string' ? rule : rule?.[severity];
  return mode ?? 'approval';
}

/** The groups that may decide an action kind, or undefined when the policy names no approvers. */
export function approverGroupsFor(policy: Policy, kind: ActionKind): string[] | undefined {
  if (!policy.approvers) return undefined;
  return policy.approvers.byAction[kind] ?? policy.approvers.default;
}

type Aliases = Pick<Policy, 'approvers'>;

/**
 * The person a name stands for: lower case, and an alias mapped to its person's name, so
 * `Sam@Example.com` and `samuel@corp.example` (an alias of sam@example.com) are one approver.
 */
export function personOf(policy: Aliases, name: string): string {
  const who = name.trim().toLowerCase();
  for (const [person, names] of Object.entries(policy.approvers?.aliases ?? {})) {
    if (person.toLowerCase() === who || names.some((n) => n.toLowerCase() === who)) return person.toLowerCase();
  }
  return who;
}

/** Whether two names are the same person (for four eyes and a release's requester). */
export function samePerson(policy: Aliases, a: string, b: string): boolean {
  return personOf(policy, a) === personOf(policy, b);
}

/** Why `approver` may not decide `kind`, or undefined when they may. */
export function notAnApprover(policy: Policy, kind: ActionKind, approver: string): string | undefined {
  const groups = approverGroupsFor(policy, kind);
  if (!groups) return undefined;
  const who = personOf(policy, approver);
  const member = groups.some((g) => (policy.approvers?.groups[g] ?? []).some((m) => personOf(policy, m) === who));
  return member ? undefined : `${approver} is not an approver for ${kind} (groups: ${groups.join(', ')})`;
}

/** Distinct approvals an action needs before it runs. */
export function approvalsNeeded(policy: Policy, destructive: boolean): number {
  return destructive ? (policy.fourEyes ?? 1) : 1;
}

/**
 * The people who may decide an action kind, by identity (the members of its approver groups), for
 * one-click links that each carry one identity; undefined when the policy names no approvers.
 */
export function approverIdentities(policy: Policy, kind: ActionKind): string[] | undefined {
  const groups = approverGroupsFor(policy, kind);
  if (!groups) return undefined;
  const members = groups.flatMap((g) => policy.approvers?.groups[g] ?? []);
  // One identity per person: a person listed under two names gets one set of links.
  return [...new Map(members.map((m) => [personOf(policy, m), m])).values()];
}
