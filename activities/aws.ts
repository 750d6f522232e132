import {
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  GetLoginProfileCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListGroupsForUserCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  NoSuchEntityException,
  paginateListAccessKeys,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { LookupEventsCommand, type CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { randomBytes } from 'node:crypto';
import type { AwsKeyTarget, AwsRoleTarget, AwsUserTarget } from '../domain/action.js';
import type { AccessCheck, ListedTarget } from '../domain/doctor.js';
import type { AwsSweep, ProviderWatch, WatchRequest } from '../domain/sweep.js';
import { AWS_ACTION_USE, AWS_RESPONDER_ACTIONS } from '../domain/permissions.js';
import type { AwsAccessKeyState, AwsRoleDiscovery, AwsUserDiscovery, Unread } from '../domain/discovery.js';
import type { AwsPrincipal } from '../domain/principal.js';
import type { CheckResult, StepOutcome } from '../domain/report.js';
import { classifyAwsError } from './aws-errors.js';
import { beforeChange } from './attempt.js';
import { activityCancellation } from './cancellation.js';
import {
  denyAllPolicy,
  isDenyAllPolicy,
  revokeOlderSessionsPolicy,
  revokedBefore,
  ROLE_REVOKE_POLICY_NAME,
  USER_DENY_POLICY_NAME,
} from './aws-policies.js';
import { readAwsTrail, watchAwsTrail, type AwsSweepRequest } from './aws-trail.js';
import { lastUseOf, readRoleCard, readUserCard } from './aws-card.js';
import { classifyActivities, InvalidRequestError, problemOf, TargetNotFoundError, UnsafeStateError } from './errors.js';
import { checkEach } from './limited.js';

export interface AwsClients {
  iam: IAMClient;
  sts: STSClient;
  /** The account's event history, for the sweep (activities/aws-trail.ts). */
  cloudtrail: CloudTrailClient;
}

/**
 * Where each AWS account's calls go. Every activity asks for the clients of its target's own account
 * id, so a call can only carry credentials for the account it acts in: there is no "current account"
 * to get wrong. The worker builds this from the topology (worker/aws-accounts.ts).
 */
export interface AwsAccounts {
  /** Clients for `accountId`; throws a non-retryable ProviderError for an account Revoker may not act in. */
  clients(accountId: string): Promise<AwsClients>;
  /** Every account Revoker may act in (`revoker doctor` checks each). */
  listed(): Promise<ListedTarget[]>;
}

/**
 * Without a topology: the worker's own credentials, for their own account only (asked once with
 * GetCallerIdentity). Acting on another account's names would hit the wrong principals, so any
 * other account is refused.
 */
export function singleAccount(clients: AwsClients): AwsAccounts {
  let caller: string | undefined;
  // The answer is kept, not the call: a call in flight belongs to one activity and ends with its cancellation.
  const account = async () =>
    (caller ??= (await clients.sts.send(new GetCallerIdentityCommand({}), abortable())).Account ?? '');
  return {
    listed: async () => [{ id: await account() }],
    async clients(accountId) {
      const actual = await account();
      if (actual !== accountId) {
        throw new InvalidRequestError(
          `The alert names AWS account ${accountId} but this worker's credentials belong to ${actual}: list ${accountId} in a topology file (REVOKER_TOPOLOGY_FILE) with the role to assume there, or run a worker with credentials for ${accountId}.`,
        );
      }
      return clients;
    },
  };
}

export type RoleRevocation = AwsRoleTarget & { issuedBefore: string };
export type UserRevocation = AwsUserTarget & { issuedBefore: string };

type KeyStatus = AwsAccessKeyState['status'];

/** Compares ISO timestamps as instants: `2026-01-01T00:00:00Z` and `…00.000Z` are the same cut-off. */
const later = (a: string, b: string) => Date.parse(a) > Date.parse(b);

/**
 * AWS containment activities. Each reads state first and changes only what differs, so a retry or a
 * re-run is harmless; each returns what it saw. Credentials are the clients' (the worker's
 * environment), never an argument.
 */
export function createAwsActivities(accounts: AwsAccounts) {
  const ops = new WeakMap<IAMClient, ReturnType<typeof accountOperations>>();
  /** The operations in the target's own account, with that account's clients. */
  async function inAccount(accountId: string) {
    const { iam } = await accounts.clients(accountId);
    let found = ops.get(iam);
    if (!found) ops.set(iam, (found = accountOperations(iam)));
    return { iam, ...found };
  }

  const activities = {
    async discoverAwsPrincipal(principal: AwsPrincipal): Promise<AwsUserDiscovery | AwsRoleDiscovery> {
      const a = await inAccount(principal.accountId);
      const { accountId } = principal;
      switch (principal.type) {
        case 'aws.role': {
          const { Role } = await a.iam.send(new GetRoleCommand({ RoleName: principal.roleName }), abortable());
          // Service-linked roles live under /aws-service-role/ and refuse inline policies.
          const serviceLinked = (Role?.Path ?? '/').startsWith('/aws-service-role/');
          const card = await readRoleCard(a.iam, Role, principal.roleName);
          return {
            type: 'aws.role',
            accountId,
            roleName: principal.roleName,
            serviceLinked,
            ...(Role?.Arn ? { arn: Role.Arn } : {}),
            ...cardFields(card),
          };
        }
        case 'aws.user': {
          const [{ User }, { accessKeys, ...card }] = await Promise.all([
            a.iam.send(new GetUserCommand({ UserName: principal.userName }), abortable()),
            readUserCard(a.iam, principal.userName, a.listKeys(principal.userName)),
          ]);
          return {
            type: 'aws.user',
            accountId,
            userName: principal.userName,
            accessKeys,
            ...(User?.Arn ? { arn: User.Arn } : {}),
            ...cardFields(card),
          };
        }
        case 'aws.accessKey': {
          const { UserName, AccessKeyLastUsed } = await a.iam.send(
            new GetAccessKeyLastUsedCommand({ AccessKeyId: principal.accessKeyId }),
            abortable(),
          );
          if (!UserName) {
            throw new InvalidRequestError(
              `AWS names no IAM user for ${principal.accessKeyId}: is it a root user's key?`,
            );
          }
          // GetUser for the card's id: the ARN holds the user's path, which nothing else here gives.
          const [{ User }, { accessKeys, ...card }] = await Promise.all([
            a.iam.send(new GetUserCommand({ UserName }), abortable()),
            readUserCard(a.iam, UserName, a.listKeys(UserName), {
              accessKeyId: principal.accessKeyId,
              lastUsed: lastUseOf(AccessKeyLastUsed),
            }),
          ]);
          return {
            type: 'aws.user',
            accountId,
            userName: UserName,
            accessKeys,
            focusAccessKeyId: principal.accessKeyId,
            ...(User?.Arn ? { arn: User.Arn } : {}),
            ...cardFields(card),
          };
        }
      }
    },

    async deactivateAwsAccessKey(target: AwsKeyTarget): Promise<StepOutcome> {
      const a = await inAccount(target.accountId);
      const key = await a.keyOf(target);
      if (!key) return { outcome: 'already', observed: `${target.accessKeyId} no longer exists` };
      return a.setKeyStatus(target, key, 'Inactive');
    },

    async reactivateAwsAccessKey(target: AwsKeyTarget): Promise<StepOutcome> {
      const a = await inAccount(target.accountId);
      const key = await a.keyOf(target);
      if (!key) {
        throw new TargetNotFoundError(
          `${target.accessKeyId} of IAM user ${target.userName} no longer exists (deleted after containment?), so it cannot be reactivated: create a new key for the user if the workload needs one.`,
        );
      }
      return a.setKeyStatus(target, key, 'Active');
    },

    async deleteAwsAccessKey(target: AwsKeyTarget): Promise<StepOutcome> {
      const a = await inAccount(target.accountId);
      const key = await a.keyOf(target);
      if (!key) return { outcome: 'already', observed: `${target.accessKeyId} was already deleted` };
      if (key.status === 'Active') {
        throw new UnsafeStateError(
          `${target.accessKeyId} is Active again although the playbook deactivated it: someone reactivated it. Find out who before deleting it by hand.`,
        );
      }
      const observed = `${target.accessKeyId} was Inactive`;
      await beforeChange(observed);
      const { $metadata } = await a.iam.send(
        new DeleteAccessKeyCommand({ UserName: target.userName, AccessKeyId: target.accessKeyId }),
        abortable(),
      );
      return { outcome: 'done', observed, requestId: $metadata.requestId };
    },

    async deleteAwsLoginProfile(target: AwsUserTarget): Promise<StepOutcome> {
      const a = await inAccount(target.accountId);
      const profile = await a.loginProfile(target);
      if (!profile) return { outcome: 'already', observed: `${target.userName} had no console password` };
      const observed = `${target.userName} had a console password set ${profile}`;
      await beforeChange(observed);
      try {
        const { $metadata } = await a.iam.send(
          new DeleteLoginProfileCommand({ UserName: target.userName }),
          abortable(),
        );
        return { outcome: 'done', observed, requestId: $metadata.requestId };
      } catch (error) {
        // Deleted between the read and the delete (another playbook, or a retry whose first answer was lost).
        if (error instanceof NoSuchEntityException)
          return { outcome: 'already', observed: `${target.userName} had no console password` };
        throw error;
      }
    },

    async verifyAwsLoginProfileDeleted(target: AwsUserTarget): Promise<CheckResult> {
      const a = await inAccount(target.accountId);
      const profile = await a.loginProfile(target);
      return {
        ok: profile === undefined,
        evidence:
          profile === undefined
            ? `GetLoginProfile finds no console password for ${target.userName}`
            : `${target.userName} still has a console password (set ${profile})`,
      };
    },

    async denyAwsUserSessions(target: AwsUserTarget): Promise<StepOutcome> {
      const a = await inAccount(target.accountId);
      if (isDenyAllPolicy(await a.userPolicy(target))) {
        return { outcome: 'already', observed: `${USER_DENY_POLICY_NAME} was already attached` };
      }
      const observed = `no ${USER_DENY_POLICY_NAME} policy`;
      await beforeChange(observed);
      const { $metadata } = await a.iam.send(
        new PutUserPolicyCommand({
          UserName: target.userName,
          PolicyName: USER_DENY_POLICY_NAME,
          PolicyDocument: JSON.stringify(denyAllPolicy()),
        }),
        abortable(),
      );
      return { outcome: 'done', observed, requestId: $metadata.requestId };
    },

    async revokeAwsRoleSessions(target: RoleRevocation): Promise<StepOutcome> {
      const a = await inAccount(target.accountId);
      return a.revokeOlderSessions(a.roleSessions(target), target.issuedBefore);
    },

    /** A stolen key's sessions: those minted before containment are denied; the user's other keys keep working. */
    async revokeAwsUserSessions(target: UserRevocation): Promise<StepOutcome> {
      const a = await inAccount(target.accountId);
      return a.revokeOlderSessions(a.userSessions(target), target.issuedBefore);
    },

    async removeAwsUserDeny(target: AwsUserTarget): Promise<StepOutcome> {
      const a = await inAccount(target.accountId);
      const policy = await a.userPolicy(target);
      if (policy === undefined) {
        await a.assertUser(target);
        return { outcome: 'already', observed: `${target.userName} carried no ${USER_DENY_POLICY_NAME} policy` };
      }
      const observed = isDenyAllPolicy(policy)
        ? `${USER_DENY_POLICY_NAME} denied * on *`
        : `${USER_DENY_POLICY_NAME} was attached but no longer denied * on *`;
      await beforeChange(observed);
      const { $metadata } = await a.iam.send(
        new DeleteUserPolicyCommand({ UserName: target.userName, PolicyName: USER_DENY_POLICY_NAME }),
        abortable(),
      );
      return { outcome: 'done', observed, requestId: $metadata.requestId };
    },

    async removeAwsRoleRevocation(target: RoleRevocation): Promise<StepOutcome> {
      const a = await inAccount(target.accountId);
      return a.removeRevocation(a.roleSessions(target), target.issuedBefore);
    },

    async removeAwsUserSessionRevocation(target: UserRevocation): Promise<StepOutcome> {
      const a = await inAccount(target.accountId);
      return a.removeRevocation(a.userSessions(target), target.issuedBefore);
    },

    async verifyAwsAccessKey(
      target: AwsKeyTarget & { expected: 'Active' | 'Inactive' | 'deleted' },
    ): Promise<CheckResult> {
      const a = await inAccount(target.accountId);
      const key = await a.keyOf(target);
      const seen = key ? key.status : 'deleted';
      // A deleted key is as inactive as an Inactive one.
      const ok = target.expected === 'Inactive' ? seen !== 'Active' : seen === target.expected;
      return { ok, evidence: `ListAccessKeys for ${target.userName} shows ${target.accessKeyId} ${seen}` };
    },

    async verifyAwsUserDenied(target: AwsUserTarget): Promise<CheckResult> {
      const a = await inAccount(target.accountId);
      const ok = isDenyAllPolicy(await a.userPolicy(target));
      return {
        ok,
        evidence: ok
          ? `GetUserPolicy ${USER_DENY_POLICY_NAME} on ${target.userName} denies * on *`
          : `${target.userName} carries no deny-all ${USER_DENY_POLICY_NAME} policy`,
      };
    },

    async verifyAwsUserDenyRemoved(target: AwsUserTarget): Promise<CheckResult> {
      const a = await inAccount(target.accountId);
      const ok = (await a.userPolicy(target)) === undefined;
      return {
        ok,
        evidence: ok
          ? `${target.userName} carries no ${USER_DENY_POLICY_NAME} policy`
          : `GetUserPolicy ${USER_DENY_POLICY_NAME} on ${target.userName} still finds the policy`,
      };
    },

    /** `revoker doctor`: every listed account, reached as Revoker would, its permissions probed without a change. */
    async checkAwsAccess(): Promise<AccessCheck[]> {
      let listed: ListedTarget[];
      try {
        listed = await accounts.listed();
      } catch (error) {
        // Without a topology the account is the credentials' own, which these credentials could not even name.
        const problem = problemOf(error, classifyAwsError);
        return [
          { cloud: 'aws', id: "the worker's own account", reachable: false, missing: [], unchecked: [], problem },
        ];
      }
      return checkEach('aws', listed, classifyAwsError, async (id) => {
        const { iam, sts, cloudtrail } = await accounts.clients(id);
        const { Arn } = await sts.send(new GetCallerIdentityCommand({}), abortable());
        return { identity: Arn, ...(await probeAwsPermissions(iam, cloudtrail)) };
      });
    },

    verifyAwsRoleSessionsRevoked: async (target: RoleRevocation) => {
      const a = await inAccount(target.accountId);
      return a.verifyRevoked(a.roleSessions(target), target.issuedBefore);
    },
    verifyAwsRoleRevocationRemoved: async (target: RoleRevocation) => {
      const a = await inAccount(target.accountId);
      return a.verifyRevocationRemoved(a.roleSessions(target), target.issuedBefore);
    },
    verifyAwsUserSessionsRevoked: async (target: UserRevocation) => {
      const a = await inAccount(target.accountId);
      return a.verifyRevoked(a.userSessions(target), target.issuedBefore);
    },
    verifyAwsUserSessionRevocationRemoved: async (target: UserRevocation) => {
      const a = await inAccount(target.accountId);
      return a.verifyRevocationRemoved(a.userSessions(target), target.issuedBefore);
    },
    /**
     * The sweep of one account: what the incident's keys and users did there, read from CloudTrail, and what of it
     * persists (activities/aws-trail.ts). Reads only; `cloudtrail:LookupEvents`.
     */
    async sweepAwsAccount(request: AwsSweepRequest): Promise<AwsSweep> {
      const { cloudtrail } = await accounts.clients(request.accountId);
      return readAwsTrail(cloudtrail, request);
    },

    /** The watch's read: the contained credentials' calls since the cut-off. */
    async watchAwsAccount(request: WatchRequest): Promise<ProviderWatch> {
      const { cloudtrail } = await accounts.clients(request.scope);
      return watchAwsTrail(cloudtrail, request);
    },
  };
  return classifyActivities(activities, classifyAwsError);
}

/** The card's reads as discovery carries them: nothing for what was not there, `unread` only when something was. */
function cardFields<T extends { unread: Unread[] }>({ unread, ...read }: T): Omit<T, 'unread'> & { unread?: Unread[] } {
  return { ...read, ...(unread.length ? { unread } : {}) };
}

/** Every call ends when Temporal cancels the activity: the SDK aborts the request (`send(command, options)`). */
const abortable = () => ({ abortSignal: activityCancellation() });

/** What the activities do in one account, with that account's IAM client. */
function accountOperations(iam: IAMClient) {
  async function listKeys(userName: string): Promise<AwsAccessKeyState[]> {
    const keys: AwsAccessKeyState[] = [];
    for await (const page of paginateListAccessKeys({ client: iam }, { UserName: userName }, abortable())) {
      for (const key of page.AccessKeyMetadata ?? []) {
        if (!key.AccessKeyId) continue;
        keys.push({
          accessKeyId: key.AccessKeyId,
          status: key.Status === 'Active' ? 'Active' : 'Inactive',
          createDate: key.CreateDate?.toISOString(),
        });
      }
    }
    return keys;
  }

  async function keyOf(target: AwsKeyTarget): Promise<AwsAccessKeyState | undefined> {
    return (await listKeys(target.userName)).find((key) => key.accessKeyId === target.accessKeyId);
  }

  /** Reads an inline policy, decoding the URL-encoded document IAM returns; undefined when absent. */
  async function inlinePolicy(command: GetUserPolicyCommand | GetRolePolicyCommand): Promise<unknown> {
    try {
      const { PolicyDocument } = await iam.send(command as GetUserPolicyCommand, abortable());
      return PolicyDocument ? (JSON.parse(decodeURIComponent(PolicyDocument)) as unknown) : undefined;
    } catch (error) {
      if (error instanceof NoSuchEntityException) return undefined;
      throw error;
    }
  }

  /** Puts a key in the wanted status unless it has it already. */
  async function setKeyStatus(target: AwsKeyTarget, key: AwsAccessKeyState, wanted: KeyStatus): Promise<StepOutcome> {
    if (key.status === wanted) return { outcome: 'already', observed: `${target.accessKeyId} was already ${wanted}` };
    const observed = `${target.accessKeyId} was ${key.status}`;
    await beforeChange(observed);
    const { $metadata } = await iam.send(
      new UpdateAccessKeyCommand({ UserName: target.userName, AccessKeyId: target.accessKeyId, Status: wanted }),
      abortable(),
    );
    return { outcome: 'done', observed, requestId: $metadata.requestId };
  }

  /** When the user's console password was set, or undefined when it has none (or the user is gone: NoSuchEntity both). */
  async function loginProfile(target: AwsUserTarget): Promise<string | undefined> {
    try {
      const { LoginProfile } = await iam.send(new GetLoginProfileCommand({ UserName: target.userName }), abortable());
      return LoginProfile?.CreateDate?.toISOString() ?? 'at an unknown time';
    } catch (error) {
      if (error instanceof NoSuchEntityException) return undefined;
      throw error;
    }
  }

  const userPolicy = (target: AwsUserTarget) =>
    inlinePolicy(new GetUserPolicyCommand({ UserName: target.userName, PolicyName: USER_DENY_POLICY_NAME }));
  const rolePolicy = (target: AwsRoleTarget) =>
    inlinePolicy(new GetRolePolicyCommand({ RoleName: target.roleName, PolicyName: ROLE_REVOKE_POLICY_NAME }));

  // GetUserPolicy/GetRolePolicy say NoSuchEntity both for a missing policy and a missing principal: a release that
  // finds no policy asks for the principal itself, so a wrong name fails fast instead of passing as released.
  const assertUser = (target: AwsUserTarget) =>
    iam.send(new GetUserCommand({ UserName: target.userName }), abortable());
  const assertRole = (target: AwsRoleTarget) =>
    iam.send(new GetRoleCommand({ RoleName: target.roleName }), abortable());

  /**
   * Where an `aws:TokenIssueTime` revocation lives: the console's AWSRevokeOlderSessions inline
   * policy on a role, or the same policy on a user (it ends the user's GetSessionToken and
   * GetFederationToken sessions issued before the cut-off, while its long-term keys and new sessions work).
   */
  interface SessionHolder {
    label: string;
    read(): Promise<unknown>;
    put(document: string): Promise<{ $metadata: { requestId?: string } }>;
    remove(): Promise<{ $metadata: { requestId?: string } }>;
    assertExists(): Promise<unknown>;
  }
  const roleSessions = (target: AwsRoleTarget): SessionHolder => ({
    label: `role ${target.roleName}`,
    read: () => rolePolicy(target),
    put: (document) =>
      iam.send(
        new PutRolePolicyCommand({
          RoleName: target.roleName,
          PolicyName: ROLE_REVOKE_POLICY_NAME,
          PolicyDocument: document,
        }),
        abortable(),
      ),
    remove: () =>
      iam.send(
        new DeleteRolePolicyCommand({ RoleName: target.roleName, PolicyName: ROLE_REVOKE_POLICY_NAME }),
        abortable(),
      ),
    assertExists: () => assertRole(target),
  });
  const userSessions = (target: AwsUserTarget): SessionHolder => ({
    label: `user ${target.userName}`,
    read: () =>
      inlinePolicy(new GetUserPolicyCommand({ UserName: target.userName, PolicyName: ROLE_REVOKE_POLICY_NAME })),
    put: (document) =>
      iam.send(
        new PutUserPolicyCommand({
          UserName: target.userName,
          PolicyName: ROLE_REVOKE_POLICY_NAME,
          PolicyDocument: document,
        }),
        abortable(),
      ),
    remove: () =>
      iam.send(
        new DeleteUserPolicyCommand({ UserName: target.userName, PolicyName: ROLE_REVOKE_POLICY_NAME }),
        abortable(),
      ),
    assertExists: () => assertUser(target),
  });

  async function revokeOlderSessions(holder: SessionHolder, issuedBefore: string): Promise<StepOutcome> {
    const existing = revokedBefore(await holder.read());
    // A revocation at or after ours already denies every session ours would.
    if (existing && !later(issuedBefore, existing)) {
      return { outcome: 'already', observed: `sessions issued before ${existing} were already denied` };
    }
    const observed = existing ? `sessions issued before ${existing} were denied` : 'no session revocation in place';
    await beforeChange(observed);
    const { $metadata } = await holder.put(JSON.stringify(revokeOlderSessionsPolicy(issuedBefore)));
    return { outcome: 'done', observed, requestId: $metadata.requestId };
  }

  /** `issuedBefore` is the cut-off of the revocation being undone; a later one is someone's newer decision. */
  async function removeRevocation(holder: SessionHolder, issuedBefore: string): Promise<StepOutcome> {
    const policy = await holder.read();
    if (policy === undefined) {
      await holder.assertExists();
      return { outcome: 'already', observed: `${holder.label} carried no ${ROLE_REVOKE_POLICY_NAME} policy` };
    }
    const cutOff = revokedBefore(policy);
    if (!cutOff) {
      throw new UnsafeStateError(
        `${ROLE_REVOKE_POLICY_NAME} on ${holder.label} no longer denies sessions by aws:TokenIssueTime: someone changed it. Review it and remove it by hand if it should go.`,
      );
    }
    if (later(cutOff, issuedBefore)) {
      return {
        outcome: 'already',
        observed: `a later revocation (cut-off ${cutOff}) replaced the one of ${issuedBefore} and is left in place`,
      };
    }
    const observed = `sessions issued before ${cutOff} were denied`;
    await beforeChange(observed);
    const { $metadata } = await holder.remove();
    return { outcome: 'done', observed, requestId: $metadata.requestId };
  }

  async function verifyRevoked(holder: SessionHolder, issuedBefore: string): Promise<CheckResult> {
    const policy = await holder.read();
    const before = revokedBefore(policy);
    return {
      ok: before !== undefined && !later(issuedBefore, before),
      evidence: revocationEvidence(holder.label, policy),
    };
  }

  /** Released when no revocation is left, or only a later one that someone else put on. */
  async function verifyRevocationRemoved(holder: SessionHolder, issuedBefore: string): Promise<CheckResult> {
    const policy = await holder.read();
    const before = revokedBefore(policy);
    return {
      ok: policy === undefined || (before !== undefined && later(before, issuedBefore)),
      evidence: revocationEvidence(holder.label, policy),
    };
  }

  return {
    listKeys,
    keyOf,
    inlinePolicy,
    setKeyStatus,
    userPolicy,
    rolePolicy,
    loginProfile,
    assertUser,
    assertRole,
    roleSessions,
    userSessions,
    revokeOlderSessions,
    removeRevocation,
    verifyRevoked,
    verifyRevocationRemoved,
  };
}

/**
 * Which responder actions IAM refuses, asked with calls that cannot change anything: they name a user
 * and a role that do not exist (IAM authorizes before it looks the name up), and the ones that would
 * change something run only once GetUser and GetRole have confirmed the names are free.
 */
async function probeAwsPermissions(
  iam: IAMClient,
  cloudtrail: CloudTrailClient,
): Promise<{ missing: string[]; unchecked: string[] }> {
  const probe = `revoker-doctor-probe-${randomBytes(6).toString('hex')}`;
  const keyId = `AKIA${randomBytes(10).toString('hex').toUpperCase().slice(0, 16)}`;
  const policy = 'RevokerDoctorProbe';
  const document = JSON.stringify(denyAllPolicy());
  const verdicts = new Map<string, 'allowed' | 'missing' | 'exists'>();
  const ask = async (action: AwsAction, call: () => Promise<unknown>) => {
    try {
      await call();
      verdicts.set(action, 'exists');
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'NoSuchEntityException' || name === 'NoSuchEntity') verdicts.set(action, 'allowed');
      else if (name === 'AccessDenied' || name === 'AccessDeniedException') verdicts.set(action, 'missing');
      else throw error;
    }
  };
  await ask('iam:GetUser', () => iam.send(new GetUserCommand({ UserName: probe }), abortable()));
  await ask('iam:GetRole', () => iam.send(new GetRoleCommand({ RoleName: probe }), abortable()));
  const userFree = verdicts.get('iam:GetUser') === 'allowed';
  const roleFree = verdicts.get('iam:GetRole') === 'allowed';
  const byUser: [AwsAction, () => Promise<unknown>][] = [
    ['iam:ListAccessKeys', () => iam.send(new ListAccessKeysCommand({ UserName: probe }), abortable())],
    [
      'iam:GetUserPolicy',
      () => iam.send(new GetUserPolicyCommand({ UserName: probe, PolicyName: policy }), abortable()),
    ],
    [
      'iam:UpdateAccessKey',
      () =>
        iam.send(new UpdateAccessKeyCommand({ UserName: probe, AccessKeyId: keyId, Status: 'Inactive' }), abortable()),
    ],
    [
      'iam:DeleteAccessKey',
      () => iam.send(new DeleteAccessKeyCommand({ UserName: probe, AccessKeyId: keyId }), abortable()),
    ],
    [
      'iam:PutUserPolicy',
      () =>
        iam.send(
          new PutUserPolicyCommand({ UserName: probe, PolicyName: policy, PolicyDocument: document }),
          abortable(),
        ),
    ],
    [
      'iam:DeleteUserPolicy',
      () => iam.send(new DeleteUserPolicyCommand({ UserName: probe, PolicyName: policy }), abortable()),
    ],
  ];
  const byRole: [AwsAction, () => Promise<unknown>][] = [
    [
      'iam:GetRolePolicy',
      () => iam.send(new GetRolePolicyCommand({ RoleName: probe, PolicyName: policy }), abortable()),
    ],
    [
      'iam:PutRolePolicy',
      () =>
        iam.send(
          new PutRolePolicyCommand({ RoleName: probe, PolicyName: policy, PolicyDocument: document }),
          abortable(),
        ),
    ],
    [
      'iam:DeleteRolePolicy',
      () => iam.send(new DeleteRolePolicyCommand({ RoleName: probe, PolicyName: policy }), abortable()),
    ],
  ];
  // Reads change nothing, so they are asked whether or not the names are free (an existing name answers too).
  const group = { GroupName: probe };
  const reads: [AwsAction, () => Promise<unknown>][] = [
    [
      'iam:ListAttachedUserPolicies',
      () => iam.send(new ListAttachedUserPoliciesCommand({ UserName: probe }), abortable()),
    ],
    ['iam:ListUserPolicies', () => iam.send(new ListUserPoliciesCommand({ UserName: probe }), abortable())],
    ['iam:ListGroupsForUser', () => iam.send(new ListGroupsForUserCommand({ UserName: probe }), abortable())],
    ['iam:ListAttachedGroupPolicies', () => iam.send(new ListAttachedGroupPoliciesCommand(group), abortable())],
    ['iam:ListGroupPolicies', () => iam.send(new ListGroupPoliciesCommand(group), abortable())],
    [
      'iam:ListAttachedRolePolicies',
      () => iam.send(new ListAttachedRolePoliciesCommand({ RoleName: probe }), abortable()),
    ],
    ['iam:ListRolePolicies', () => iam.send(new ListRolePoliciesCommand({ RoleName: probe }), abortable())],
  ];
  await Promise.all(reads.map(([action, call]) => ask(action, call)));
  const unchecked: string[] = [];
  for (const [action, call] of byUser) {
    if (userFree) await ask(action, call);
    else unchecked.push(action);
  }
  for (const [action, call] of byRole) {
    if (roleFree) await ask(action, call);
    else unchecked.push(action);
  }
  // GetAccessKeyLastUsed is authorized on the key's owner, which a made-up key id does not have.
  unchecked.push('iam:GetAccessKeyLastUsed');
  // A read of one event: allowed, or AccessDeniedException. (A throttled probe says nothing either way.)
  try {
    await cloudtrail.send(new LookupEventsCommand({ MaxResults: 1 }), abortable());
    verdicts.set('cloudtrail:LookupEvents', 'allowed');
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'AccessDeniedException' || name === 'AccessDenied') verdicts.set('cloudtrail:LookupEvents', 'missing');
    else if (name === 'ThrottlingException') unchecked.push('cloudtrail:LookupEvents');
    else throw error;
  }
  const missing = AWS_RESPONDER_ACTIONS.filter((a) => verdicts.get(a) === 'missing').map(
    (a) => `${a}: ${AWS_ACTION_USE[a]}`,
  );
  return { missing, unchecked };
}

type AwsAction = (typeof AWS_RESPONDER_ACTIONS)[number];

function revocationEvidence(label: string, policy: unknown): string {
  const before = revokedBefore(policy);
  if (before) return `${ROLE_REVOKE_POLICY_NAME} on ${label} denies sessions issued before ${before}`;
  return policy === undefined
    ? `${label} carries no ${ROLE_REVOKE_POLICY_NAME} policy`
    : `${ROLE_REVOKE_POLICY_NAME} on ${label} sets no aws:TokenIssueTime cut-off`;
}

export type AwsActivities = ReturnType<typeof createAwsActivities>;
