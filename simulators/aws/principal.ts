import { assumedRoleArn, federatedUserArn, roleArn, userArn } from './arn.js';
import type { PolicyLayers } from './authz.js';
import { managedPolicyDocument } from './managed-policies.js';
import { storedPolicy } from './policy-cache.js';
import type { PolicyDocument } from './policy-doc.js';
import { sessionPolicyDocuments } from './session-policies.js';
import type { RoleRecord, SessionRecord, SimState, UserRecord } from './state.js';

type SessionOf<K extends SessionRecord['kind']> = Extract<SessionRecord, { kind: K }>;

/** The authenticated identity behind a request: a long-term user key or one of the three STS session kinds. */
export type Caller =
  | { readonly type: 'user'; readonly accessKeyId: string; readonly user: UserRecord }
  | {
      readonly type: 'federation';
      readonly accessKeyId: string;
      readonly user: UserRecord;
      readonly session: SessionOf<'federation'>;
    }
  | {
      readonly type: 'session';
      readonly accessKeyId: string;
      readonly user: UserRecord;
      readonly session: SessionOf<'session'>;
    }
  | {
      readonly type: 'assumed-role';
      readonly accessKeyId: string;
      readonly role: RoleRecord;
      readonly session: SessionOf<'assumed-role'>;
    };

/** The ARN GetCallerIdentity reports and AccessDenied messages quote. */
export function callerArn(caller: Caller, accountId: string): string {
  switch (caller.type) {
    case 'user':
    case 'session':
      return userArn(accountId, caller.user.path, caller.user.userName);
    case 'federation':
      return federatedUserArn(accountId, caller.session.federatedName);
    case 'assumed-role':
      return assumedRoleArn(accountId, caller.role.roleName, caller.session.sessionName);
  }
}

/** GetCallerIdentity UserId / aws:userid: AIDA… for users, "account:name" for federated users, "AROA…:session" for roles. */
export function callerUserId(caller: Caller, accountId: string): string {
  switch (caller.type) {
    case 'user':
    case 'session':
      return caller.user.userId;
    case 'federation':
      return `${accountId}:${caller.session.federatedName}`;
    case 'assumed-role':
      return `${caller.role.roleId}:${caller.session.sessionName}`;
  }
}

/** aws:PrincipalArn — for role sessions this is the role's ARN, not the assumed-role session ARN. */
export function principalArn(caller: Caller, accountId: string): string {
  return caller.type === 'assumed-role'
    ? roleArn(accountId, caller.role.path, caller.role.roleName)
    : callerArn(caller, accountId);
}

/** ARNs a role trust policy may name to admit this caller (a role session matches its role ARN too). */
export function trustPrincipalCandidates(caller: Caller, accountId: string): string[] {
  return caller.type === 'assumed-role'
    ? [callerArn(caller, accountId), principalArn(caller, accountId)]
    : [callerArn(caller, accountId)];
}

export function tokenIssueTime(caller: Caller): string | undefined {
  return caller.type === 'user' ? undefined : caller.session.issuedAt;
}

const PRINCIPAL_TYPES = { user: 'User', session: 'User', federation: 'FederatedUser', 'assumed-role': 'AssumedRole' };

/**
 * Global condition keys for the request. aws:TokenIssueTime (and aws:MultiFactorAuthPresent) exist only for
 * temporary credentials, so conditions on them never match long-term keys. aws:username exists only for IAM users.
 */
export function contextKeys(
  caller: Caller,
  accountId: string,
  now: Date,
  region: string,
  sourceIp?: string,
): Map<string, string> {
  const keys = new Map<string, string>([
    ['aws:currenttime', now.toISOString()],
    ['aws:epochtime', String(Math.floor(now.getTime() / 1000))],
    ['aws:principalarn', principalArn(caller, accountId)],
    ['aws:principalaccount', accountId],
    ['aws:principaltype', PRINCIPAL_TYPES[caller.type]],
    ['aws:userid', callerUserId(caller, accountId)],
    ['aws:securetransport', 'false'],
    ['aws:requestedregion', region],
  ]);
  if (sourceIp) keys.set('aws:sourceip', sourceIp.replace(/^::ffff:/, ''));
  if (caller.type === 'user' || caller.type === 'session') keys.set('aws:username', caller.user.userName);
  const issued = tokenIssueTime(caller);
  if (issued !== undefined) {
    keys.set('aws:tokenissuetime', issued);
    keys.set('aws:multifactorauthpresent', 'false');
  }
  return keys;
}

/**
 * A user's identity policies: its inline and attached managed policies, and those of every group it is in. An
 * attached policy the account no longer has (deleted meanwhile) grants nothing.
 */
function userPolicies(state: SimState, user: UserRecord): PolicyDocument[] {
  const groups = user.groups.flatMap((name) => {
    const group = state.groups.get(name);
    return group ? [...group.inlinePolicies.values(), ...managed(state, group.attachedPolicies)] : [];
  });
  return [...user.inlinePolicies.values(), ...managed(state, user.attachedPolicies), ...groups].map((t) =>
    storedPolicy(t),
  );
}

const managed = (state: SimState, arns: readonly string[]): string[] =>
  arns.flatMap((arn) => managedPolicyDocument(state, arn) ?? []);

/** `state` is the caller's own account, where its policies live. */
export function policyLayers(caller: Caller, state: SimState): PolicyLayers {
  switch (caller.type) {
    case 'user':
    case 'session':
      return { identity: userPolicies(state, caller.user) };
    case 'federation':
      // No session policy on GetFederationToken means no permissions at all (documented AWS behaviour).
      return { identity: userPolicies(state, caller.user), session: sessionPolicyDocuments(caller.session) ?? [] };
    case 'assumed-role': {
      const session = sessionPolicyDocuments(caller.session);
      const role = caller.role;
      return {
        identity: [...role.inlinePolicies.values(), ...managed(state, role.attachedPolicies)].map((t) =>
          storedPolicy(t),
        ),
        ...(session === undefined ? {} : { session }),
      };
    }
  }
}

/** Resolves the user/role a session acts for; undefined if it no longer exists (e.g. after a reset). */
export function callerForSession(state: SimState, session: SessionRecord): Caller | undefined {
  if (session.kind === 'assumed-role') {
    const role = state.roles.get(session.roleName);
    return role && { type: 'assumed-role', accessKeyId: session.accessKeyId, role, session };
  }
  const user = state.users.get(session.userName);
  if (!user) return undefined;
  return session.kind === 'federation'
    ? { type: 'federation', accessKeyId: session.accessKeyId, user, session }
    : { type: 'session', accessKeyId: session.accessKeyId, user, session };
}
