import {
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  NoSuchEntityException,
  paginateListAccessKeys,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsKeyTarget, AwsRoleTarget, AwsUserTarget } from '../domain/action.js';
import type { AwsAccessKeyState, AwsRoleDiscovery, AwsUserDiscovery } from '../domain/discovery.js';
import type { AwsPrincipal } from '../domain/principal.js';
import type { CheckResult, StepOutcome } from '../domain/report.js';
import { classifyAwsError } from './aws-errors.js';
import {
  denyAllPolicy,
  isDenyAllPolicy,
  revokeOlderSessionsPolicy,
  revokedBefore,
  ROLE_REVOKE_POLICY_NAME,
  USER_DENY_POLICY_NAME,
} from './aws-policies.js';
import { classifyActivities, InvalidRequestError, UnsafeStateError } from './errors.js';

export interface AwsClients {
  iam: IAMClient;
  sts: STSClient;
}

export type RoleRevocation = AwsRoleTarget & { issuedBefore: string };

/**
 * AWS containment activities. Each reads state first and changes only what differs, so a retry or a
 * re-run is harmless; each returns what it saw. Credentials are the clients' (the worker's
 * environment), never an argument.
 */
export function createAwsActivities({ iam, sts }: AwsClients) {
  let callerAccount: Promise<string> | undefined;

  /** One worker serves one account: acting on another account's names would hit the wrong principals. */
  async function assertAccount(accountId: string): Promise<void> {
    callerAccount ??= sts.send(new GetCallerIdentityCommand({})).then((identity) => identity.Account ?? '');
    let actual: string;
    try {
      actual = await callerAccount;
    } catch (error) {
      callerAccount = undefined;
      throw error;
    }
    if (actual !== accountId) {
      throw new InvalidRequestError(
        `The alert names AWS account ${accountId} but this worker's credentials belong to ${actual}: run a worker with credentials for ${accountId}.`,
      );
    }
  }

  async function listKeys(userName: string): Promise<AwsAccessKeyState[]> {
    const keys: AwsAccessKeyState[] = [];
    for await (const page of paginateListAccessKeys({ client: iam }, { UserName: userName })) {
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
      const { PolicyDocument } = await iam.send(command as GetUserPolicyCommand);
      return PolicyDocument ? (JSON.parse(decodeURIComponent(PolicyDocument)) as unknown) : undefined;
    } catch (error) {
      if (error instanceof NoSuchEntityException) return undefined;
      throw error;
    }
  }

  const userPolicy = (target: AwsUserTarget) =>
    inlinePolicy(new GetUserPolicyCommand({ UserName: target.userName, PolicyName: USER_DENY_POLICY_NAME }));
  const rolePolicy = (target: AwsRoleTarget) =>
    inlinePolicy(new GetRolePolicyCommand({ RoleName: target.roleName, PolicyName: ROLE_REVOKE_POLICY_NAME }));

  const activities = {
    async discoverAwsPrincipal(principal: AwsPrincipal): Promise<AwsUserDiscovery | AwsRoleDiscovery> {
      await assertAccount(principal.accountId);
      const { accountId } = principal;
      switch (principal.type) {
        case 'aws.role': {
          const { Role } = await iam.send(new GetRoleCommand({ RoleName: principal.roleName }));
          // Service-linked roles live under /aws-service-role/ and refuse inline policies.
          const serviceLinked = (Role?.Path ?? '/').startsWith('/aws-service-role/');
          return { type: 'aws.role', accountId, roleName: principal.roleName, serviceLinked };
        }
        case 'aws.user': {
          await iam.send(new GetUserCommand({ UserName: principal.userName }));
          const accessKeys = await listKeys(principal.userName);
          return { type: 'aws.user', accountId, userName: principal.userName, accessKeys };
        }
        case 'aws.accessKey': {
          const { UserName } = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: principal.accessKeyId }));
          if (!UserName) {
            throw new InvalidRequestError(
              `AWS names no IAM user for ${principal.accessKeyId}: is it a root user's key?`,
            );
          }
          const accessKeys = await listKeys(UserName);
          return {
            type: 'aws.user',
            accountId,
            userName: UserName,
            accessKeys,
            focusAccessKeyId: principal.accessKeyId,
          };
        }
      }
    },

    async deactivateAwsAccessKey(target: AwsKeyTarget): Promise<StepOutcome> {
      await assertAccount(target.accountId);
      const key = await keyOf(target);
      if (!key) return { outcome: 'already', observed: `${target.accessKeyId} no longer exists` };
      if (key.status === 'Inactive')
        return { outcome: 'already', observed: `${target.accessKeyId} was already Inactive` };
      const { $metadata } = await iam.send(
        new UpdateAccessKeyCommand({ UserName: target.userName, AccessKeyId: target.accessKeyId, Status: 'Inactive' }),
      );
      return { outcome: 'done', observed: `${target.accessKeyId} was Active`, requestId: $metadata.requestId };
    },

    async deleteAwsAccessKey(target: AwsKeyTarget): Promise<StepOutcome> {
      await assertAccount(target.accountId);
      const key = await keyOf(target);
      if (!key) return { outcome: 'already', observed: `${target.accessKeyId} was already deleted` };
      if (key.status === 'Active') {
        throw new UnsafeStateError(
          `${target.accessKeyId} is Active again although the playbook deactivated it: someone reactivated it. Find out who before deleting it by hand.`,
        );
      }
      const { $metadata } = await iam.send(
        new DeleteAccessKeyCommand({ UserName: target.userName, AccessKeyId: target.accessKeyId }),
      );
      return { outcome: 'done', observed: `${target.accessKeyId} was Inactive`, requestId: $metadata.requestId };
    },

    async denyAwsUserSessions(target: AwsUserTarget): Promise<StepOutcome> {
      await assertAccount(target.accountId);
      if (isDenyAllPolicy(await userPolicy(target))) {
        return { outcome: 'already', observed: `${USER_DENY_POLICY_NAME} was already attached` };
      }
      const { $metadata } = await iam.send(
        new PutUserPolicyCommand({
          UserName: target.userName,
          PolicyName: USER_DENY_POLICY_NAME,
          PolicyDocument: JSON.stringify(denyAllPolicy()),
        }),
      );
      return { outcome: 'done', observed: `no ${USER_DENY_POLICY_NAME} policy`, requestId: $metadata.requestId };
    },

    async revokeAwsRoleSessions(target: RoleRevocation): Promise<StepOutcome> {
      await assertAccount(target.accountId);
      const existing = revokedBefore(await rolePolicy(target));
      // A revocation at or after ours already denies every session ours would.
      if (existing && existing >= target.issuedBefore) {
        return { outcome: 'already', observed: `sessions issued before ${existing} were already denied` };
      }
      const { $metadata } = await iam.send(
        new PutRolePolicyCommand({
          RoleName: target.roleName,
          PolicyName: ROLE_REVOKE_POLICY_NAME,
          PolicyDocument: JSON.stringify(revokeOlderSessionsPolicy(target.issuedBefore)),
        }),
      );
      const observed = existing ? `sessions issued before ${existing} were denied` : 'no session revocation in place';
      return { outcome: 'done', observed, requestId: $metadata.requestId };
    },

    async verifyAwsAccessKey(target: AwsKeyTarget & { expected: 'Inactive' | 'deleted' }): Promise<CheckResult> {
      const key = await keyOf(target);
      const seen = key ? key.status : 'deleted';
      const ok = target.expected === 'deleted' ? !key : seen !== 'Active';
      return { ok, evidence: `ListAccessKeys for ${target.userName} shows ${target.accessKeyId} ${seen}` };
    },

    async verifyAwsUserDenied(target: AwsUserTarget): Promise<CheckResult> {
      const ok = isDenyAllPolicy(await userPolicy(target));
      return {
        ok,
        evidence: ok
          ? `GetUserPolicy ${USER_DENY_POLICY_NAME} on ${target.userName} denies * on *`
          : `${target.userName} carries no deny-all ${USER_DENY_POLICY_NAME} policy`,
      };
    },

    async verifyAwsRoleSessionsRevoked(target: RoleRevocation): Promise<CheckResult> {
      const before = revokedBefore(await rolePolicy(target));
      const ok = before !== undefined && before >= target.issuedBefore;
      return {
        ok,
        evidence: before
          ? `GetRolePolicy ${ROLE_REVOKE_POLICY_NAME} on ${target.roleName} denies sessions issued before ${before}`
          : `${target.roleName} carries no ${ROLE_REVOKE_POLICY_NAME} policy`,
      };
    },
  };
  return classifyActivities(activities, classifyAwsError);
}

export type AwsActivities = ReturnType<typeof createAwsActivities>;
