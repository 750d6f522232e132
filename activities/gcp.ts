import type { iam_v1 } from '@googleapis/iam';
import type { GcpKeyTarget, GcpServiceAccountTarget } from '../domain/action.js';
import type { GcpServiceAccountDiscovery } from '../domain/discovery.js';
import { parseGcpKeyName, type GcpPrincipal } from '../domain/principal.js';
import type { CheckResult, StepOutcome } from '../domain/report.js';
import { beforeChange } from './attempt.js';
import { activityCancellation } from './cancellation.js';
import { classifyActivities, TargetNotFoundError, UnsafeStateError } from './errors.js';
import { classifyGcpError } from './gcp-errors.js';

export interface GcpActivityDeps {
  /** An IAM v1 client whose auth comes from the worker's environment (ADC). */
  iam: iam_v1.Iam;
}

const accountName = (t: GcpServiceAccountTarget) => `projects/${t.projectId}/serviceAccounts/${t.email}`;
const keyId = (keyName: string) => keyName.split('/').pop() ?? keyName;
const disabledWord = (disabled: boolean) => (disabled ? 'disabled' : 'enabled');

/**
 * Google Cloud containment through the IAM v1 API. Each step reads first and changes only what
 * differs. Google omits false booleans, so a missing `disabled` means enabled.
 */
export function createGcpActivities({ iam }: GcpActivityDeps) {
  const accounts = iam.projects.serviceAccounts;
  /** Every call ends when Temporal cancels the activity: gaxios aborts the request. */
  const abortable = () => ({ signal: activityCancellation() });

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

  const activities = {
    async discoverGcpPrincipal(principal: GcpPrincipal): Promise<GcpServiceAccountDiscovery> {
      const target =
        principal.type === 'gcp.key'
          ? parseGcpKeyName(principal.keyName)
          : { projectId: principal.projectId, email: principal.email };
      const found = await account(target);
      const keys = await userManagedKeys(target);
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
      const found = await key(target.keyName);
      if (!found) return { outcome: 'already', observed: `key ${keyId(target.keyName)} no longer exists` };
      return setKeyDisabled(target, found, true);
    },

    async enableGcpKey(target: GcpKeyTarget): Promise<StepOutcome> {
      const found = await key(target.keyName);
      if (!found) {
        throw new TargetNotFoundError(
          `Key ${keyId(target.keyName)} of ${target.email} no longer exists (deleted after containment?), so it cannot be enabled: create a new key if the workload needs one.`,
        );
      }
      return setKeyDisabled(target, found, false);
    },

    async deleteGcpKey(target: GcpKeyTarget): Promise<StepOutcome> {
      const found = await key(target.keyName);
      if (!found) return { outcome: 'already', observed: `key ${keyId(target.keyName)} was already deleted` };
      if (!found.disabled) {
        throw new UnsafeStateError(
          `Key ${keyId(target.keyName)} is enabled again although the playbook disabled it: someone re-enabled it. Find out who before deleting it by hand.`,
        );
      }
      const observed = `key ${keyId(target.keyName)} was disabled`;
      await beforeChange(observed);
      await accounts.keys.delete({ name: target.keyName }, abortable());
      return { outcome: 'done', observed };
    },

    disableGcpServiceAccount(target: GcpServiceAccountTarget): Promise<StepOutcome> {
      return setAccountDisabled(target, true);
    },

    enableGcpServiceAccount(target: GcpServiceAccountTarget): Promise<StepOutcome> {
      return setAccountDisabled(target, false);
    },

    async verifyGcpKey(target: GcpKeyTarget & { expected: 'enabled' | 'disabled' | 'deleted' }): Promise<CheckResult> {
      const found = await key(target.keyName);
      const seen = !found ? 'deleted' : disabledWord(found.disabled === true);
      // A deleted key is as unusable as a disabled one.
      const ok = target.expected === 'disabled' ? seen !== 'enabled' : seen === target.expected;
      return { ok, evidence: `keys.get shows key ${keyId(target.keyName)} ${seen}` };
    },

    verifyGcpServiceAccountDisabled(target: GcpServiceAccountTarget): Promise<CheckResult> {
      return accountCheck(target, true);
    },

    verifyGcpServiceAccountEnabled(target: GcpServiceAccountTarget): Promise<CheckResult> {
      return accountCheck(target, false);
    },
  };
  return classifyActivities(activities, classifyGcpError);
}

export type GcpActivities = ReturnType<typeof createGcpActivities>;
