import type { iam_v1 } from '@googleapis/iam';
import type { GcpKeyTarget, GcpServiceAccountTarget } from '../domain/action.js';
import type { GcpServiceAccountDiscovery } from '../domain/discovery.js';
import { parseGcpKeyName, type GcpPrincipal } from '../domain/principal.js';
import type { CheckResult, StepOutcome } from '../domain/report.js';
import { classifyActivities, TargetNotFoundError, UnsafeStateError } from './errors.js';
import { classifyGcpError } from './gcp-errors.js';

export interface GcpActivityDeps {
  /** An IAM v1 client whose auth comes from the worker's environment (ADC). */
  iam: iam_v1.Iam;
}

const accountName = (t: GcpServiceAccountTarget) => `projects/${t.projectId}/serviceAccounts/${t.email}`;
const keyId = (keyName: string) => keyName.split('/').pop() ?? keyName;

/**
 * Google Cloud containment through the IAM v1 API. Each step reads first and changes only what
 * differs. Google omits false booleans, so a missing `disabled` means enabled.
 */
export function createGcpActivities({ iam }: GcpActivityDeps) {
  const accounts = iam.projects.serviceAccounts;

  async function key(keyName: string): Promise<iam_v1.Schema$ServiceAccountKey | undefined> {
    try {
      return (await accounts.keys.get({ name: keyName })).data;
    } catch (error) {
      if (classifyGcpError(error) instanceof TargetNotFoundError) return undefined;
      throw error;
    }
  }

  async function userManagedKeys(target: GcpServiceAccountTarget) {
    const { data } = await accounts.keys.list({ name: accountName(target), keyTypes: ['USER_MANAGED'] });
    return (data.keys ?? []).flatMap((k) => (k.name ? [{ name: k.name, disabled: k.disabled === true }] : []));
  }

  const account = async (target: GcpServiceAccountTarget) => (await accounts.get({ name: accountName(target) })).data;

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
      if (found.disabled) return { outcome: 'already', observed: `key ${keyId(target.keyName)} was already disabled` };
      await accounts.keys.disable({ name: target.keyName, requestBody: {} });
      return { outcome: 'done', observed: `key ${keyId(target.keyName)} was enabled` };
    },

    async deleteGcpKey(target: GcpKeyTarget): Promise<StepOutcome> {
      const found = await key(target.keyName);
      if (!found) return { outcome: 'already', observed: `key ${keyId(target.keyName)} was already deleted` };
      if (!found.disabled) {
        throw new UnsafeStateError(
          `Key ${keyId(target.keyName)} is enabled again although the playbook disabled it: someone re-enabled it. Find out who before deleting it by hand.`,
        );
      }
      await accounts.keys.delete({ name: target.keyName });
      return { outcome: 'done', observed: `key ${keyId(target.keyName)} was disabled` };
    },

    async disableGcpServiceAccount(target: GcpServiceAccountTarget): Promise<StepOutcome> {
      if ((await account(target)).disabled) {
        return { outcome: 'already', observed: `${target.email} was already disabled` };
      }
      await accounts.disable({ name: accountName(target), requestBody: {} });
      return { outcome: 'done', observed: `${target.email} was enabled` };
    },

    async verifyGcpKey(target: GcpKeyTarget & { expected: 'disabled' | 'deleted' }): Promise<CheckResult> {
      const found = await key(target.keyName);
      const seen = !found ? 'deleted' : found.disabled ? 'disabled' : 'enabled';
      const ok = target.expected === 'deleted' ? !found : seen !== 'enabled';
      return { ok, evidence: `keys.get shows key ${keyId(target.keyName)} ${seen}` };
    },

    async verifyGcpServiceAccountDisabled(target: GcpServiceAccountTarget): Promise<CheckResult> {
      const disabled = (await account(target)).disabled === true;
      return {
        ok: disabled,
        evidence: `serviceAccounts.get shows ${target.email} ${disabled ? 'disabled' : 'enabled'}`,
      };
    },
  };
  return classifyActivities(activities, classifyGcpError);
}

export type GcpActivities = ReturnType<typeof createGcpActivities>;
