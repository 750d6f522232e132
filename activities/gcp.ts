import type { iam_v1 } from '@googleapis/iam';
import type { GcpKeyTarget, GcpServiceAccountTarget } from '../domain/action.js';
import type { GcpServiceAccountDiscovery } from '../domain/discovery.js';
import { parseGcpKeyName, type GcpPrincipal } from '../domain/principal.js';
import type { CheckResult, StepOutcome } from '../domain/report.js';
import { beforeChange } from './attempt.js';
import { activityCancellation } from './cancellation.js';
import { randomBytes } from 'node:crypto';
import type { AccessCheck, ListedTarget } from '../domain/doctor.js';
import { GCP_RESPONDER_PERMISSIONS, type GcpPermission } from '../domain/permissions.js';
import {
  classifyActivities,
  InvalidRequestError,
  PermissionDeniedError,
  TargetNotFoundError,
  UnsafeStateError,
} from './errors.js';
import { checkEach } from './limited.js';
import { classifyGcpError } from './gcp-errors.js';

export interface GcpActivityDeps {
  /** An IAM v1 client whose auth comes from the worker's environment (ADC). */
  iam: iam_v1.Iam;
  /** Who the client acts as (its service account's email), for `revoker doctor`; undefined when unknown. */
  identity?: () => Promise<string | undefined>;
}

/**
 * Where each Google Cloud project's calls go: an IAM client with the credentials the topology names
 * for that project. Every activity asks for its target's own project. The worker builds this from
 * the topology (worker/gcp-clients.ts).
 */
export interface GcpProjects {
  /** The client for `projectId`; throws a non-retryable ProviderError for a project Revoker may not act in. */
  clients(projectId: string): Promise<GcpActivityDeps>;
  /** Every project the topology lists; none without one (the credentials then reach whatever they are granted). */
  listed(): Promise<ListedTarget[]>;
}

/** Without a topology: the worker's credentials, in whatever project they are granted. */
export function anyProject(deps: GcpActivityDeps): GcpProjects {
  return { clients: () => Promise.resolve(deps), listed: () => Promise.resolve([]) };
}

const accountName = (t: GcpServiceAccountTarget) => `projects/${t.projectId}/serviceAccounts/${t.email}`;
const keyId = (keyName: string) => keyName.split('/').pop() ?? keyName;
const disabledWord = (disabled: boolean) => (disabled ? 'disabled' : 'enabled');

/**
 * Google Cloud containment through the IAM v1 API. Each step reads first and changes only what
 * differs. Google omits false booleans, so a missing `disabled` means enabled.
 */
export function createGcpActivities(projects: GcpProjects) {
  const ops = new WeakMap<iam_v1.Iam, ReturnType<typeof projectOperations>>();
  /** The operations in the target's own project, with that project's client. */
  async function inProject(projectId: string) {
    const { iam } = await projects.clients(projectId);
    let found = ops.get(iam);
    if (!found) ops.set(iam, (found = projectOperations(iam)));
    return found;
  }
  /** A key is acted on in its own project: its name's project must be the target's. */
  async function forKey(target: GcpKeyTarget) {
    const named = parseGcpKeyName(target.keyName).projectId;
    if (named !== target.projectId) {
      throw new InvalidRequestError(
        `Key ${target.keyName} is not in project ${target.projectId}: nothing was changed.`,
      );
    }
    return inProject(target.projectId);
  }

  const activities = {
    async discoverGcpPrincipal(principal: GcpPrincipal): Promise<GcpServiceAccountDiscovery> {
      const target =
        principal.type === 'gcp.key'
          ? parseGcpKeyName(principal.keyName)
          : { projectId: principal.projectId, email: principal.email };
      const p = await inProject(target.projectId);
      const found = await p.account(target);
      const keys = await p.userManagedKeys(target);
      if (principal.type === 'gcp.key' && !keys.some((k) => k.name === principal.keyName)) {
        throw new TargetNotFoundError(
          `Key ${keyId(principal.keyName)} is not a user-managed key of ${target.email} (deleted already, or Google-managed): nothing to contain.`,
        );
      }
      return {
        type: 'gcp.serviceAccount',
        projectId: target.projectId,
        email: target.email,
        disabled: found.disabled === true,
        keys,
        ...(principal.type === 'gcp.key' ? { focusKeyName: principal.keyName } : {}),
      };
    },

    async disableGcpKey(target: GcpKeyTarget): Promise<StepOutcome> {
      const p = await forKey(target);
      const found = await p.key(target.keyName);
      if (!found) return { outcome: 'already', observed: `key ${keyId(target.keyName)} no longer exists` };
      return p.setKeyDisabled(target, found, true);
    },

    async enableGcpKey(target: GcpKeyTarget): Promise<StepOutcome> {
      const p = await forKey(target);
      const found = await p.key(target.keyName);
      if (!found) {
        throw new TargetNotFoundError(
          `Key ${keyId(target.keyName)} of ${target.email} no longer exists (deleted after containment?), so it cannot be enabled: create a new key if the workload needs one.`,
        );
      }
      return p.setKeyDisabled(target, found, false);
    },

    async deleteGcpKey(target: GcpKeyTarget): Promise<StepOutcome> {
      const p = await forKey(target);
      const found = await p.key(target.keyName);
      if (!found) return { outcome: 'already', observed: `key ${keyId(target.keyName)} was already deleted` };
      if (!found.disabled) {
        throw new UnsafeStateError(
          `Key ${keyId(target.keyName)} is enabled again although the playbook disabled it: someone re-enabled it. Find out who before deleting it by hand.`,
        );
      }
      const observed = `key ${keyId(target.keyName)} was disabled`;
      await beforeChange(observed);
      await p.accounts.keys.delete({ name: target.keyName }, abortable());
      return { outcome: 'done', observed };
    },

    async disableGcpServiceAccount(target: GcpServiceAccountTarget): Promise<StepOutcome> {
      return (await inProject(target.projectId)).setAccountDisabled(target, true);
    },

    async enableGcpServiceAccount(target: GcpServiceAccountTarget): Promise<StepOutcome> {
      return (await inProject(target.projectId)).setAccountDisabled(target, false);
    },

    async verifyGcpKey(target: GcpKeyTarget & { expected: 'enabled' | 'disabled' | 'deleted' }): Promise<CheckResult> {
      const p = await forKey(target);
      const found = await p.key(target.keyName);
      const seen = !found ? 'deleted' : disabledWord(found.disabled === true);
      // A deleted key is as unusable as a disabled one.
      const ok = target.expected === 'disabled' ? seen !== 'enabled' : seen === target.expected;
      return { ok, evidence: `keys.get shows key ${keyId(target.keyName)} ${seen}` };
    },

    async verifyGcpServiceAccountDisabled(target: GcpServiceAccountTarget): Promise<CheckResult> {
      return (await inProject(target.projectId)).accountCheck(target, true);
    },

    async verifyGcpServiceAccountEnabled(target: GcpServiceAccountTarget): Promise<CheckResult> {
      return (await inProject(target.projectId)).accountCheck(target, false);
    },

    /** `revoker doctor`: every listed project, each responder permission probed on a service account that does not exist. */
    async checkGcpAccess(): Promise<AccessCheck[]> {
      return checkEach('gcp', await projects.listed(), classifyGcpError, async (id) => {
        const deps = await projects.clients(id);
        const probed = await probeGcpPermissions(deps.iam, id);
        const identity = await deps.identity?.().catch(() => undefined);
        return { ...probed, ...(identity ? { identity } : {}) };
      });
    },
  };
  return classifyActivities(activities, classifyGcpError);
}

/**
 * Which responder permissions IAM refuses in `projectId`. Google checks the permission before it looks the
 * account up, so on a made-up service account a 404 means granted and a 403 means missing; the calls that would
 * change something run only once serviceAccounts.get has shown the name is free.
 */
async function probeGcpPermissions(iam: iam_v1.Iam, projectId: string) {
  const accounts = iam.projects.serviceAccounts;
  const name = `projects/${projectId}/serviceAccounts/revoker-doctor-${randomBytes(4).toString('hex')}@${projectId}.iam.gserviceaccount.com`;
  const keyName = `${name}/keys/${randomBytes(20).toString('hex')}`;
  const verdicts = new Map<GcpPermission, 'granted' | 'missing'>();
  const ask = async (permission: GcpPermission, call: () => Promise<unknown>) => {
    try {
      await call();
      throw new UnsafeStateError(`${permission}: a made-up service account answered as if it existed (${name})`);
    } catch (error) {
      const known = classifyGcpError(error);
      if (known instanceof TargetNotFoundError) verdicts.set(permission, 'granted');
      else if (known instanceof PermissionDeniedError) verdicts.set(permission, 'missing');
      else throw known ?? error;
    }
  };
  await ask('iam.serviceAccounts.get', () => accounts.get({ name }, abortable()));
  const writes: [GcpPermission, () => Promise<unknown>][] = [
    ['iam.serviceAccounts.disable', () => accounts.disable({ name, requestBody: {} }, abortable())],
    ['iam.serviceAccounts.enable', () => accounts.enable({ name, requestBody: {} }, abortable())],
    ['iam.serviceAccountKeys.list', () => accounts.keys.list({ name }, abortable())],
    ['iam.serviceAccountKeys.get', () => accounts.keys.get({ name: keyName }, abortable())],
    ['iam.serviceAccountKeys.disable', () => accounts.keys.disable({ name: keyName, requestBody: {} }, abortable())],
    ['iam.serviceAccountKeys.enable', () => accounts.keys.enable({ name: keyName, requestBody: {} }, abortable())],
    ['iam.serviceAccountKeys.delete', () => accounts.keys.delete({ name: keyName }, abortable())],
  ];
  const unchecked: string[] = [];
  const free = verdicts.get('iam.serviceAccounts.get') === 'granted';
  for (const [permission, call] of writes) {
    if (free) await ask(permission, call);
    else unchecked.push(permission);
  }
  const missing = (Object.keys(GCP_RESPONDER_PERMISSIONS) as GcpPermission[])
    .filter((permission) => verdicts.get(permission) === 'missing')
    .map((permission) => `${permission}: ${GCP_RESPONDER_PERMISSIONS[permission]}`);
  return { missing, unchecked };
}

/** Every call ends when Temporal cancels the activity: gaxios aborts the request. */
const abortable = () => ({ signal: activityCancellation() });

/** What the activities do in one project, with that project's IAM client. */
function projectOperations(iam: iam_v1.Iam) {
  const accounts = iam.projects.serviceAccounts;

  async function key(keyName: string): Promise<iam_v1.Schema$ServiceAccountKey | undefined> {
    try {
      return (await accounts.keys.get({ name: keyName }, abortable())).data;
    } catch (error) {
      if (classifyGcpError(error) instanceof TargetNotFoundError) return undefined;
      throw error;
    }
  }

  async function userManagedKeys(target: GcpServiceAccountTarget) {
    const { data } = await accounts.keys.list({ name: accountName(target), keyTypes: ['USER_MANAGED'] }, abortable());
    return (data.keys ?? []).flatMap((k) => (k.name ? [{ name: k.name, disabled: k.disabled === true }] : []));
  }

  const account = async (target: GcpServiceAccountTarget) =>
    (await accounts.get({ name: accountName(target) }, abortable())).data;

  /** keys :disable or :enable unless the key is in that state already. */
  async function setKeyDisabled(
    target: GcpKeyTarget,
    found: iam_v1.Schema$ServiceAccountKey,
    disabled: boolean,
  ): Promise<StepOutcome> {
    const id = keyId(target.keyName);
    if ((found.disabled === true) === disabled) {
      return { outcome: 'already', observed: `key ${id} was already ${disabledWord(disabled)}` };
    }
    const observed = `key ${id} was ${disabledWord(!disabled)}`;
    await beforeChange(observed);
    const request = { name: target.keyName, requestBody: {} };
    await (disabled ? accounts.keys.disable(request, abortable()) : accounts.keys.enable(request, abortable()));
    return { outcome: 'done', observed };
  }

  /** serviceAccounts :disable or :enable unless the account is in that state already. */
  async function setAccountDisabled(target: GcpServiceAccountTarget, disabled: boolean): Promise<StepOutcome> {
    if (((await account(target)).disabled === true) === disabled) {
      return { outcome: 'already', observed: `${target.email} was already ${disabledWord(disabled)}` };
    }
    const observed = `${target.email} was ${disabledWord(!disabled)}`;
    await beforeChange(observed);
    const request = { name: accountName(target), requestBody: {} };
    await (disabled ? accounts.disable(request, abortable()) : accounts.enable(request, abortable()));
    return { outcome: 'done', observed };
  }

  async function accountCheck(target: GcpServiceAccountTarget, disabled: boolean): Promise<CheckResult> {
    const seen = (await account(target)).disabled === true;
    return { ok: seen === disabled, evidence: `serviceAccounts.get shows ${target.email} ${disabledWord(seen)}` };
  }

  return { accounts, key, userManagedKeys, account, setKeyDisabled, setAccountDisabled, accountCheck };
}

export type GcpActivities = ReturnType<typeof createGcpActivities>;
