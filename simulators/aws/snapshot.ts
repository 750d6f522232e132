import { assumedRoleArn, federatedUserArn } from './arn.js';
import { roleArnOf, userArnOf } from './iam-shapes.js';
import { accessKeysOf, isServiceLinkedRole, type SessionRecord, type SimState } from './state.js';

const parse = (text: string): unknown => JSON.parse(text) as unknown;
const parsedPolicies = (policies: Map<string, string>): Record<string, unknown> =>
  Object.fromEntries([...policies].map(([name, text]) => [name, parse(text)]));

function sessionArn(state: SimState, session: SessionRecord): string {
  switch (session.kind) {
    case 'federation':
      return federatedUserArn(state.accountId, session.federatedName);
    case 'assumed-role':
      return assumedRoleArn(state.accountId, session.roleName, session.sessionName);
    case 'session': {
      const user = state.users.get(session.userName);
      return user ? userArnOf(state, user) : session.userName;
    }
  }
}

/** Admin/test view of the sandbox. Never includes secret access keys or session tokens. */
export function publicState(state: SimState, now: Date) {
  return {
    accountId: state.accountId,
    users: [...state.users.values()].map((user) => ({
      userName: user.userName,
      userId: user.userId,
      arn: userArnOf(state, user),
      path: user.path,
      createDate: user.createDate,
      accessKeys: accessKeysOf(state, user.userName).map((key) => ({
        accessKeyId: key.accessKeyId,
        status: key.status,
        createDate: key.createDate,
        ...(key.lastUsed ? { lastUsed: key.lastUsed } : {}),
      })),
      inlinePolicies: parsedPolicies(user.inlinePolicies),
      attachedPolicies: [...user.attachedPolicies],
      groups: [...user.groups],
      ...(user.loginProfile ? { loginProfile: user.loginProfile } : {}),
    })),
    roles: [...state.roles.values()].map((role) => ({
      roleName: role.roleName,
      roleId: role.roleId,
      arn: roleArnOf(state, role),
      path: role.path,
      serviceLinked: isServiceLinkedRole(role),
      maxSessionDuration: role.maxSessionDuration,
      assumeRolePolicy: parse(role.assumeRolePolicy),
      inlinePolicies: parsedPolicies(role.inlinePolicies),
      attachedPolicies: [...role.attachedPolicies],
      ...(role.lastUsed ? { lastUsed: role.lastUsed } : {}),
    })),
    groups: [...state.groups.values()].map((group) => ({
      groupName: group.groupName,
      path: group.path,
      attachedPolicies: [...group.attachedPolicies],
      inlinePolicies: parsedPolicies(group.inlinePolicies),
    })),
    managedPolicies: [...state.managedPolicies.values()].map((policy) => ({
      arn: policy.arn,
      document: parse(policy.document),
    })),
    sessions: [...state.sessions.values()].map((session) => ({
      accessKeyId: session.accessKeyId,
      kind: session.kind,
      arn: sessionArn(state, session),
      issuedAt: session.issuedAt,
      expiresAt: session.expiresAt,
      expired: now.getTime() >= Date.parse(session.expiresAt),
      sourceAccessKeyId: session.sourceAccessKeyId,
      ...(session.sessionPolicy === undefined ? {} : { sessionPolicy: parse(session.sessionPolicy) }),
      ...(session.sessionPolicyArns === undefined ? {} : { sessionPolicyArns: [...session.sessionPolicyArns] }),
    })),
    buckets: state.buckets.map((bucket) => ({ ...bucket })),
  };
}

export type PublicState = ReturnType<typeof publicState>;
