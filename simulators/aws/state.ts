import { groupIdFor, policyIdFor, roleIdFor, userIdFor } from './ids.js';
import { customerPolicyArn } from './managed-policies.js';
import { parseAwsSeed, type AwsSeed } from './seed.js';

export type KeyStatus = 'Active' | 'Inactive';

export interface KeyLastUsed {
  readonly date: string;
  readonly serviceName: string;
  readonly region: string;
}

export interface AccessKeyRecord {
  readonly accessKeyId: string;
  readonly userName: string;
  readonly secretAccessKey: string;
  status: KeyStatus;
  readonly createDate: string;
  lastUsed?: KeyLastUsed;
}

export interface LoginProfileRecord {
  readonly createDate: string;
  readonly passwordResetRequired: boolean;
}

/** Inline policies are kept as the exact text submitted: IAM returns documents verbatim (URL-encoded). */
export interface UserRecord {
  readonly userName: string;
  readonly userId: string;
  readonly path: string;
  readonly createDate: string;
  readonly inlinePolicies: Map<string, string>;
  /** Managed policy ARNs, in the order they were attached. */
  readonly attachedPolicies: string[];
  /** Group names. */
  readonly groups: string[];
  loginProfile?: LoginProfileRecord;
}

export interface GroupRecord {
  readonly groupName: string;
  readonly groupId: string;
  readonly path: string;
  readonly createDate: string;
  readonly attachedPolicies: string[];
  readonly inlinePolicies: Map<string, string>;
}

/** A customer managed policy (its default version only: versions are not modelled). */
export interface ManagedPolicyRecord {
  readonly policyName: string;
  readonly policyId: string;
  readonly path: string;
  readonly arn: string;
  readonly description?: string;
  readonly document: string;
  readonly createDate: string;
}

export interface RoleLastUsed {
  readonly date: string;
  readonly region: string;
}

export interface RoleRecord {
  readonly roleName: string;
  readonly roleId: string;
  readonly path: string;
  readonly createDate: string;
  readonly description?: string;
  readonly maxSessionDuration: number;
  readonly assumeRolePolicy: string;
  readonly inlinePolicies: Map<string, string>;
  readonly attachedPolicies: string[];
  /** Moves whenever a session of the role makes a request (GetRole's RoleLastUsed). */
  lastUsed?: RoleLastUsed;
}

interface SessionBase {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** Millisecond precision: this is aws:TokenIssueTime, compared against "revoke older sessions" cut-offs. */
  readonly issuedAt: string;
  readonly expiresAt: string;
  /** Inline session policy (`Policy`), verbatim. */
  readonly sessionPolicy?: string;
  /** Managed session policies (`PolicyArns`). */
  readonly sessionPolicyArns?: readonly string[];
  /** The access key (long-term or temporary) that requested these credentials. */
  readonly sourceAccessKeyId: string;
}

export type SessionRecord =
  | (SessionBase & { readonly kind: 'federation'; readonly userName: string; readonly federatedName: string })
  | (SessionBase & { readonly kind: 'session'; readonly userName: string })
  | (SessionBase & { readonly kind: 'assumed-role'; readonly roleName: string; readonly sessionName: string });

export type SessionKind = SessionRecord['kind'];

export interface BucketRecord {
  readonly name: string;
  readonly creationDate: string;
}

/** Maps (not plain objects) because IAM names such as `__proto__` are valid and must not touch prototypes. */
export interface SimState {
  readonly accountId: string;
  readonly users: Map<string, UserRecord>;
  readonly accessKeys: Map<string, AccessKeyRecord>;
  readonly roles: Map<string, RoleRecord>;
  readonly groups: Map<string, GroupRecord>;
  /** Customer managed policies by ARN. */
  readonly managedPolicies: Map<string, ManagedPolicyRecord>;
  readonly sessions: Map<string, SessionRecord>;
  readonly buckets: BucketRecord[];
}

const DEFAULT_CREATE_DATE = '2024-01-15T09:00:00Z';

export function stateFromSeed(input: AwsSeed): SimState {
  const seed = parseAwsSeed(input);
  const state: SimState = {
    accountId: seed.accountId,
    users: new Map(),
    accessKeys: new Map(),
    roles: new Map(),
    groups: new Map(),
    managedPolicies: new Map(),
    sessions: new Map(),
    buckets: [],
  };
  for (const policy of seed.managedPolicies ?? []) {
    const path = policy.path ?? '/';
    const arn = customerPolicyArn(seed.accountId, path, policy.policyName);
    state.managedPolicies.set(arn, {
      policyName: policy.policyName,
      policyId: policyIdFor(arn),
      path,
      arn,
      ...(policy.description === undefined ? {} : { description: policy.description }),
      document: JSON.stringify(policy.document),
      createDate: DEFAULT_CREATE_DATE,
    });
  }
  for (const group of seed.groups ?? []) {
    state.groups.set(group.groupName, {
      groupName: group.groupName,
      groupId: groupIdFor(seed.accountId, group.groupName),
      path: group.path ?? '/',
      createDate: group.createDate ?? DEFAULT_CREATE_DATE,
      attachedPolicies: [...(group.attachedPolicies ?? [])],
      inlinePolicies: new Map(
        Object.entries(group.inlinePolicies ?? {}).map(([name, doc]) => [name, JSON.stringify(doc)]),
      ),
    });
  }
  for (const user of seed.users) {
    const createDate = user.createDate ?? DEFAULT_CREATE_DATE;
    state.users.set(user.userName, {
      userName: user.userName,
      userId: user.userId ?? userIdFor(seed.accountId, user.userName),
      path: user.path ?? '/',
      createDate,
      inlinePolicies: new Map(
        Object.entries(user.inlinePolicies ?? {}).map(([name, doc]) => [name, JSON.stringify(doc)]),
      ),
      attachedPolicies: [...(user.attachedPolicies ?? [])],
      groups: [...(user.groups ?? [])],
      ...(user.loginProfile
        ? {
            loginProfile: {
              createDate: user.loginProfile.createDate,
              passwordResetRequired: user.loginProfile.passwordResetRequired ?? false,
            },
          }
        : {}),
    });
    for (const key of user.accessKeys) {
      state.accessKeys.set(key.accessKeyId, {
        accessKeyId: key.accessKeyId,
        userName: user.userName,
        secretAccessKey: key.secretAccessKey,
        status: key.status ?? 'Active',
        createDate: key.createDate ?? createDate,
        ...(key.lastUsed ? { lastUsed: key.lastUsed } : {}),
      });
    }
  }
  for (const role of seed.roles) {
    state.roles.set(role.roleName, {
      roleName: role.roleName,
      roleId: role.roleId ?? roleIdFor(seed.accountId, role.roleName),
      path: role.path ?? '/',
      createDate: role.createDate ?? DEFAULT_CREATE_DATE,
      ...(role.description === undefined ? {} : { description: role.description }),
      // AWS default MaxSessionDuration is one hour.
      maxSessionDuration: role.maxSessionDuration ?? 3600,
      assumeRolePolicy: JSON.stringify(role.assumeRolePolicy),
      inlinePolicies: new Map(
        Object.entries(role.inlinePolicies ?? {}).map(([name, doc]) => [name, JSON.stringify(doc)]),
      ),
      attachedPolicies: [...(role.attachedPolicies ?? [])],
      ...(role.lastUsed ? { lastUsed: role.lastUsed } : {}),
    });
  }
  for (const bucket of seed.buckets ?? []) {
    state.buckets.push(typeof bucket === 'string' ? { name: bucket, creationDate: DEFAULT_CREATE_DATE } : bucket);
  }
  return state;
}

export function accessKeysOf(state: SimState, userName: string): AccessKeyRecord[] {
  return [...state.accessKeys.values()].filter((key) => key.userName === userName);
}

/** Service-linked roles (path `/aws-service-role/...`) are owned by the AWS service and immutable to customers. */
export function isServiceLinkedRole(role: RoleRecord): boolean {
  return role.path.startsWith('/aws-service-role/');
}

/**
 * Every account one simulator serves, as an AWS Organization would: the primary account (the sandbox default,
 * whose id `accountId` reports) and its members, each with its own IAM. Access key ids are unique across all of
 * them, as in AWS, so a request's key names the account it is made in.
 */
export interface SimOrganisation {
  readonly primaryId: string;
  readonly accounts: Map<string, SimState>;
}

export function organisationOf(states: readonly SimState[]): SimOrganisation {
  const [primary] = states;
  if (!primary) throw new Error('AWS simulator: no account to serve');
  const accounts = new Map<string, SimState>();
  const keys = new Map<string, string>();
  for (const state of states) {
    if (accounts.has(state.accountId)) throw new Error(`AWS simulator: account ${state.accountId} is seeded twice`);
    accounts.set(state.accountId, state);
    for (const id of [...state.accessKeys.keys(), ...state.sessions.keys()]) {
      const other = keys.get(id);
      if (other !== undefined) {
        throw new Error(`AWS simulator: access key ${id} is in accounts ${other} and ${state.accountId}`);
      }
      keys.set(id, state.accountId);
    }
  }
  return { primaryId: primary.accountId, accounts };
}

export function primaryOf(org: SimOrganisation): SimState {
  const primary = org.accounts.get(org.primaryId);
  if (!primary) throw new Error('AWS simulator: primary account missing');
  return primary;
}

/** The account whose long-term key or temporary credentials `accessKeyId` is. */
export function accountOfKey(org: SimOrganisation, accessKeyId: string): SimState | undefined {
  for (const state of org.accounts.values()) {
    if (state.accessKeys.has(accessKeyId) || state.sessions.has(accessKeyId)) return state;
  }
  return undefined;
}
