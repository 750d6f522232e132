import { z } from 'zod';
import { ACTION_KINDS, ActionKind, Mode } from './action.js';
import type { Severity } from './alert.js';
import { AllowlistEntry } from './allowlist.js';
import { DurationText } from './duration.js';

const SeverityModes = z.strictObject({
  low: Mode.optional(),
  medium: Mode.optional(),
  high: Mode.optional(),
  critical: Mode.optional(),
});

/** Per action kind: one mode for every severity, or a mode per severity (unlisted severities wait for approval). */
export const ModeRule = z.union([Mode, SeverityModes]);
export type ModeRule = z.infer<typeof ModeRule>;

/**
 * What runs automatically, what waits for a human, and for how long. The worker's client loads it and
 * snapshots it into each playbook's input, so a run is reproducible from its history alone.
 */
export const Policy = z
  .strictObject({
    version: z.literal(1),
    actions: z.partialRecord(ActionKind, ModeRule).default({}),
    approvalTimeout: DurationText.default('4h'),
    allowlist: z.array(AllowlistEntry).default([]),
  })
  .superRefine((policy, ctx) => {
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
  });
export type Policy = z.infer<typeof Policy>;

/** Reversible containment runs at once for high and critical alerts; anything destructive waits for a human. */
export const DEFAULT_POLICY: Policy = {
  version: 1,
  approvalTimeout: '4h',
  allowlist: [],
  actions: {
    'aws.deactivateAccessKey': { high: 'auto', critical: 'auto' },
    'aws.denyUserSessions': { high: 'auto', critical: 'auto' },
    'aws.revokeRoleSessions': { high: 'auto', critical: 'auto' },
    'aws.deleteAccessKey': 'approval',
    'entra.revokeUserSessions': { high: 'auto', critical: 'auto' },
    'entra.disableUser': { critical: 'auto' },
    'entra.disableServicePrincipal': { high: 'auto', critical: 'auto' },
    'entra.removeServicePrincipalCredentials': 'approval',
    'entra.deleteConsentGrants': 'approval',
    'gcp.disableKey': { high: 'auto', critical: 'auto' },
    'gcp.deleteKey': 'approval',
    'gcp.disableServiceAccount': { critical: 'auto' },
  },
};

export function modeFor(policy: Policy, kind: ActionKind, severity: Severity): Mode {
  const rule = policy.actions[kind];
  const mode = typeof rule === 'string' ? rule : rule?.[severity];
  return mode ?? 'approval';
}
