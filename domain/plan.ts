import { ACTION_KINDS, actionId, describeAction, type Action, type ActionSpec } from './action.js';
import type { Severity } from './alert.js';
import type { AwsRoleDiscovery, AwsUserDiscovery, Discovery } from './discovery.js';
import { modeFor, type Policy } from './policy.js';

export interface PlanInput {
  severity: Severity;
  policy: Policy;
  /** Each alert principal (by principalKey) with what discovery saw of it. */
  discoveries: { principal: string; discovery: Discovery }[];
}

interface Planned {
  spec: ActionSpec;
  reason: string;
  dependsOn?: ActionSpec[];
}

/**
 * Alert + policy + discovered state → containment actions. Pure: the workflow calls it after
 * discovery, and tests pin it down. Two principals that lead to the same step yield one action.
 */
export function planActions({ severity, policy, discoveries }: PlanInput): Action[] {
  const actions = new Map<string, Action>();
  for (const { principal, discovery } of discoveries) {
    const planned = discovery.type === 'aws.user' ? planAwsUser(discovery) : planAwsRole(discovery);
    for (const { spec, reason, dependsOn = [] } of planned) {
      const id = actionId(spec);
      if (actions.has(id)) continue;
      const info = ACTION_KINDS[spec.kind];
      actions.set(id, {
        ...spec,
        id,
        provider: info.provider,
        principal,
        reversible: info.reversible,
        destructive: info.destructive,
        mode: serviceLinkedSkip(discovery) ? 'skip' : modeFor(policy, spec.kind, severity),
        reason,
        description: describeAction(spec),
        dependsOn: dependsOn.map(actionId),
        residualRisk: info.residualRisk,
      });
    }
  }
  return [...actions.values()];
}

function serviceLinkedSkip(discovery: Discovery): boolean {
  return discovery.type === 'aws.role' && discovery.serviceLinked;
}

function planAwsUser(user: AwsUserDiscovery): Planned[] {
  const { accountId, userName } = user;
  const keys = user.focusAccessKeyId
    ? user.accessKeys.filter((key) => key.accessKeyId === user.focusAccessKeyId)
    : user.accessKeys;
  const planned: Planned[] = [];
  for (const key of keys) {
    const target = { accountId, userName, accessKeyId: key.accessKeyId };
    const deactivate: ActionSpec = { kind: 'aws.deactivateAccessKey', target };
    planned.push({
      spec: deactivate,
      reason:
        key.status === 'Active'
          ? `Key ${key.accessKeyId} is active and may be the stolen credential.`
          : `Key ${key.accessKeyId} is already inactive; the step confirms it stays so.`,
    });
    planned.push({
      spec: { kind: 'aws.deleteAccessKey', target },
      reason: `A stolen key must never be reactivated; delete it once it is inactive.`,
      dependsOn: [deactivate],
    });
  }
  planned.push({
    spec: { kind: 'aws.denyUserSessions', target: { accountId, userName } },
    reason:
      'GetFederationToken and GetSessionToken sessions outlive key deactivation and deletion; an explicit deny on the user ends them.',
  });
  return planned;
}

function planAwsRole(role: AwsRoleDiscovery): Planned[] {
  return [
    {
      spec: { kind: 'aws.revokeRoleSessions', target: { accountId: role.accountId, roleName: role.roleName } },
      reason: role.serviceLinked
        ? 'Service-linked roles refuse inline policies: their sessions cannot be revoked here.'
        : 'Assumed-role sessions stay valid until they expire; a deny on older aws:TokenIssueTime ends them and lets new sessions work.',
    },
  ];
}
