import { z } from 'zod';
import { readStateFile, writeStateFile } from '../shared/state-file.js';
import { primaryOf, type SimOrganisation, type SimState } from './state.js';

const FORMAT = 'revoker-aws-simulator-state/v1';

const namedDocument = z.object({ name: z.string(), document: z.string() });
const sessionBase = {
  accessKeyId: z.string(),
  secretAccessKey: z.string(),
  sessionToken: z.string(),
  issuedAt: z.string(),
  expiresAt: z.string(),
  sessionPolicy: z.string().optional(),
  sessionPolicyArns: z.array(z.string()).readonly().optional(),
  sourceAccessKeyId: z.string(),
};

/**
 * On-disk form of the whole sandbox. Unlike the admin views it contains secrets and session tokens:
 * a restarted dev stack must keep accepting the keys and sessions it issued before.
 */
const accountState = z.object({
  accountId: z.string(),
  users: z.array(
    z.object({
      userName: z.string(),
      userId: z.string(),
      path: z.string(),
      createDate: z.string(),
      inlinePolicies: z.array(namedDocument),
      // Absent in state files written before managed policies and groups were modelled.
      attachedPolicies: z.array(z.string()).default([]),
      groups: z.array(z.string()).default([]),
      loginProfile: z.object({ createDate: z.string(), passwordResetRequired: z.boolean() }).optional(),
    }),
  ),
  accessKeys: z.array(
    z.object({
      accessKeyId: z.string(),
      userName: z.string(),
      secretAccessKey: z.string(),
      status: z.enum(['Active', 'Inactive']),
      createDate: z.string(),
      lastUsed: z.object({ date: z.string(), serviceName: z.string(), region: z.string() }).optional(),
    }),
  ),
  roles: z.array(
    z.object({
      roleName: z.string(),
      roleId: z.string(),
      path: z.string(),
      createDate: z.string(),
      description: z.string().optional(),
      maxSessionDuration: z.number(),
      assumeRolePolicy: z.string(),
      inlinePolicies: z.array(namedDocument),
      attachedPolicies: z.array(z.string()).default([]),
      lastUsed: z.object({ date: z.string(), region: z.string() }).optional(),
    }),
  ),
  groups: z
    .array(
      z.object({
        groupName: z.string(),
        groupId: z.string(),
        path: z.string(),
        createDate: z.string(),
        attachedPolicies: z.array(z.string()),
        inlinePolicies: z.array(namedDocument),
      }),
    )
    .default([]),
  managedPolicies: z
    .array(
      z.object({
        policyName: z.string(),
        policyId: z.string(),
        path: z.string(),
        arn: z.string(),
        description: z.string().optional(),
        document: z.string(),
        createDate: z.string(),
      }),
    )
    .default([]),
  sessions: z.array(
    z.discriminatedUnion('kind', [
      z.object({ ...sessionBase, kind: z.literal('federation'), userName: z.string(), federatedName: z.string() }),
      z.object({ ...sessionBase, kind: z.literal('session'), userName: z.string() }),
      z.object({ ...sessionBase, kind: z.literal('assumed-role'), roleName: z.string(), sessionName: z.string() }),
    ]),
  ),
  buckets: z.array(z.object({ name: z.string(), creationDate: z.string() })),
});

const persistedState = z.object({
  format: z.literal(FORMAT),
  /** The primary account. */
  state: accountState,
  /** The member accounts (`accounts` option), in order; absent when there are none. */
  accounts: z.array(accountState).optional(),
});

const toNamed = (policies: Map<string, string>) => [...policies].map(([name, document]) => ({ name, document }));
const fromNamed = (policies: { name: string; document: string }[]) =>
  new Map(policies.map((p) => [p.name, p.document] as const));

function serializeAccount(state: SimState): z.input<typeof accountState> {
  return {
    accountId: state.accountId,
    users: [...state.users.values()].map((u) => ({ ...u, inlinePolicies: toNamed(u.inlinePolicies) })),
    accessKeys: [...state.accessKeys.values()],
    roles: [...state.roles.values()].map((r) => ({ ...r, inlinePolicies: toNamed(r.inlinePolicies) })),
    groups: [...state.groups.values()].map((g) => ({ ...g, inlinePolicies: toNamed(g.inlinePolicies) })),
    managedPolicies: [...state.managedPolicies.values()],
    sessions: [...state.sessions.values()],
    buckets: state.buckets,
  };
}

/** Returns undefined when the file does not exist yet (first start seeds instead); the primary account first. */
export function loadStateFile(path: string): SimState[] | undefined {
  const parsed = readStateFile(path, { format: FORMAT, simulator: 'AWS', schema: persistedState });
  if (parsed === undefined) return undefined;
  return [parsed.state, ...(parsed.accounts ?? [])].map(deserializeAccount);
}

function deserializeAccount(s: z.output<typeof accountState>): SimState {
  return {
    accountId: s.accountId,
    users: new Map(s.users.map((u) => [u.userName, { ...u, inlinePolicies: fromNamed(u.inlinePolicies) }])),
    accessKeys: new Map(s.accessKeys.map((k) => [k.accessKeyId, k])),
    roles: new Map(s.roles.map((r) => [r.roleName, { ...r, inlinePolicies: fromNamed(r.inlinePolicies) }])),
    groups: new Map(s.groups.map((g) => [g.groupName, { ...g, inlinePolicies: fromNamed(g.inlinePolicies) }])),
    managedPolicies: new Map(s.managedPolicies.map((p) => [p.arn, p])),
    sessions: new Map(s.sessions.map((session) => [session.accessKeyId, session])),
    buckets: s.buckets,
  };
}

export function saveStateFile(path: string, org: SimOrganisation): void {
  const members = [...org.accounts.values()].filter((a) => a.accountId !== org.primaryId);
  writeStateFile(path, {
    format: FORMAT,
    state: serializeAccount(primaryOf(org)),
    ...(members.length === 0 ? {} : { accounts: members.map(serializeAccount) }),
  } satisfies z.input<typeof persistedState>);
}
