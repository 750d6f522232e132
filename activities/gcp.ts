import type { iam_v1 } from '@googleapis/iam';
import type { logging_v2 } from '@googleapis/logging';
import type { cloudresourcemanager_v3 } from '@googleapis/cloudresourcemanager';
import type { GcpBindingTarget, GcpKeyTarget, GcpServiceAccountTarget } from '../domain/action.js';
import type { GcpServiceAccountDiscovery } from '../domain/discovery.js';
import { parseGcpKeyName, type GcpPrincipal } from '../domain/principal.js';
import type { CheckResult, StepOutcome } from '../domain/report.js';
import type { GcpSweepRequest, ProviderSweep, ProviderWatch, WatchRequest } from '../domain/sweep.js';
import { beforeChange } from './attempt.js';
import { activityCancellation } from './cancellation.js';
import { randomBytes } from 'node:crypto';
import type { AccessCheck, ListedTarget } from '../domain/doctor.js';
import { GCP_RESPONDER_PERMISSIONS, type GcpPermission } from '../domain/permissions.js';
import {
  classifyActivities,
  InvalidRequestError,
  PermissionDeniedError,
  ProviderUnavailableError,
  TargetNotFoundError,
  ThrottledError,
  UnsafeStateError,
} from './errors.js';
import { checkEach } from './limited.js';
import { readGcpAudit, watchGcp, type AuditReading } from './gcp-audit.js';
import { readProjectRoles } from './gcp-card.js';
import { classifyGcpError, classifyGcpLoggingError } from './gcp-errors.js';

export interface GcpActivityDeps {
  /** An IAM v1 client whose auth comes from the worker's environment (ADC). */
  iam: iam_v1.Iam;
  /** A Cloud Logging v2 client with the same credentials: the sweep and the watch read audit logs with it. */
  logging: logging_v2.Logging;
  /** A Resource Manager v3 client with the same credentials: the triage card reads the project's roles with it. */
  resourceManager?: cloudresourcemanager_v3.Cloudresourcemanager;
  /** How the audit logs are read (pacing, page caps); tests make it quick. */
  auditReading?: AuditReading;
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
/** setIamPolicy races: re-read and re-apply this many times before Temporal's retry takes over. */
const POLICY_ATTEMPTS = 5;

/** How a binding target reads in a report: `user:x holds roles/y on sa (condition "t")`. */
const bindingWords = (t: GcpBindingTarget) =>
  `${t.member} ${t.role} on ${t.email}${t.condition ? ` (condition "${t.condition.title}")` : ''}`;

/** A condition as the target holds it and as getIamPolicy returns it: the same title, expression, description. */
function sameCondition(found: iam_v1.Schema$Expr | null | undefined, wanted: GcpBindingTarget['condition']): boolean {
  if (!found?.expression) return wanted === undefined;
  return (
    wanted !== undefined &&
    found.expression === wanted.expression &&
    (found.title ?? '') === wanted.title &&
    (found.description ?? '') === (wanted.description ?? '')
  );
}

const holds = (binding: iam_v1.Schema$Binding, t: GcpBindingTarget) =>
  binding.role === t.role &&
  sameCondition(binding.condition, t.condition) &&
  (binding.members ?? []).includes(t.member);

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
      const { resourceManager } = await projects.clients(target.projectId);
      const [found, keys, { roles, unread }] = await Promise.all([
        p.account(target),
        p.userManagedKeys(target),
        readProjectRoles(resourceManager, target.projectId, target.email),
      ]);
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
        ...(found.displayName ? { displayName: found.displayName } : {}),
        ...(roles ? { roles } : {}),
        ...(unread.length ? { unread } : {}),
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

    /**
     * Takes the member out of that role's binding (the one with the target's condition) on the service account's own
     * policy, by read-modify-write with the policy's etag; a concurrent change (409 ABORTED) is read again. The
     * target is the copy a release puts back.
     */
    async removeGcpTokenCreatorBinding(target: GcpBindingTarget): Promise<StepOutcome> {
      return (await inProject(target.projectId)).changeBinding(target, 'remove');
    },

    async verifyGcpTokenCreatorBindingRemoved(target: GcpBindingTarget): Promise<CheckResult> {
      return (await inProject(target.projectId)).bindingCheck(target, false);
    },

    /** Puts exactly the target's member, role and condition back (a release); nothing when it is there already. */
    async restoreGcpTokenCreatorBinding(target: GcpBindingTarget): Promise<StepOutcome> {
      return (await inProject(target.projectId)).changeBinding(target, 'restore');
    },

    async verifyGcpTokenCreatorBindingRestored(target: GcpBindingTarget): Promise<CheckResult> {
      return (await inProject(target.projectId)).bindingCheck(target, true);
    },

    /**
     * The sweep of one project: what the incident's service accounts and keys did there, read from its Cloud Audit
     * Logs, and what of it persists (activities/gcp-audit.ts). Reads only: logging.logEntries.list and
     * logging.privateLogEntries.list.
     */
    async sweepGcpProject(request: GcpSweepRequest): Promise<ProviderSweep> {
      const { logging, auditReading } = await projects.clients(request.projectId);
      return readGcpAudit(logging, request, auditReading);
    },

    /** The watch of one project: the contained keys' and accounts' calls since the cut-off. Reads only. */
    async watchGcpProject(request: WatchRequest): Promise<ProviderWatch> {
      const { logging, auditReading } = await projects.clients(request.scope);
      return watchGcp(logging, request, auditReading);
    },

    /** `revoker doctor`: every listed project, each responder permission probed on a service account that does not exist. */
    async checkGcpAccess(): Promise<AccessCheck[]> {
      return checkEach('gcp', await projects.listed(), classifyGcpError, async (id) => {
        const deps = await projects.clients(id);
        const probed = await probeGcpPermissions(deps, id);
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
async function probeGcpPermissions({ iam, logging, resourceManager }: GcpActivityDeps, projectId: string) {
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
    [
      'iam.serviceAccounts.getIamPolicy',
      () => accounts.getIamPolicy({ resource: name, 'options.requestedPolicyVersion': 3 }, abortable()),
    ],
    [
      'iam.serviceAccounts.setIamPolicy',
      () => accounts.setIamPolicy({ resource: name, requestBody: { policy: { bindings: [] } } }, abortable()),
    ],
  ];
  const unchecked: string[] = [];
  const free = verdicts.get('iam.serviceAccounts.get') === 'granted';
  for (const [permission, call] of writes) {
    if (free) await ask(permission, call);
    else unchecked.push(permission);
  }
  // The audit logs: a one-entry read of the Admin Activity log, then one naming the (private) Data Access log. A
  // throttled probe says nothing either way.
  const logs = (log: string) => `logName="projects/${projectId}/logs/cloudaudit.googleapis.com%2F${log}"`;
  const readLogs: [GcpPermission, string][] = [
    ['logging.logEntries.list', logs('activity')],
    ['logging.privateLogEntries.list', logs('data_access')],
  ];
  for (const [permission, filter] of readLogs) {
    try {
      await logging.entries.list(
        { requestBody: { resourceNames: [`projects/${projectId}`], filter, pageSize: 1 } },
        abortable(),
      );
      verdicts.set(permission, 'granted');
    } catch (error) {
      const known = classifyGcpLoggingError(error);
      if (known instanceof PermissionDeniedError) verdicts.set(permission, 'missing');
      else if (known instanceof ThrottledError) unchecked.push(permission);
      else throw known ?? error;
    }
  }
  // The project's own policy, as the triage card reads it: a read of the real project, which changes nothing.
  const projectPolicy: GcpPermission = 'resourcemanager.projects.getIamPolicy';
  if (!resourceManager) unchecked.push(projectPolicy);
  else {
    try {
      await resourceManager.projects.getIamPolicy({ resource: `projects/${projectId}`, requestBody: {} }, abortable());
      verdicts.set(projectPolicy, 'granted');
    } catch (error) {
      const known = classifyGcpError(error);
      if (known instanceof PermissionDeniedError) verdicts.set(projectPolicy, 'missing');
      else if (known instanceof ThrottledError) unchecked.push(projectPolicy);
      else throw known ?? error;
    }
  }
  const missing = (Object.keys(GCP_RESPONDER_PERMISSIONS) as GcpPermission[])
    .filter((permission) => verdicts.get(permission) === 'missing')
    .map((permission) => `${permission}: ${GCP_RESPONDER_PERMISSIONS[permission]}`);
  return { missing, unchecked };
}

/** setIamPolicy's answer to a stale etag. */
const isAborted = (error: unknown) =>
  (error as { response?: { status?: number; data?: { error?: { status?: string } } } }).response?.data?.error
    ?.status === 'ABORTED';

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
    return (data.keys ?? []).flatMap((k) =>
      k.name
        ? [
            {
              name: k.name,
              disabled: k.disabled === true,
              ...(k.validAfterTime ? { validAfterTime: k.validAfterTime } : {}),
            },
          ]
        : [],
    );
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

  /** The account's own policy at version 3, so conditional bindings show with their conditions. */
  const policy = async (target: GcpServiceAccountTarget) =>
    (await accounts.getIamPolicy({ resource: accountName(target), 'options.requestedPolicyVersion': 3 }, abortable()))
      .data;

  /**
   * Removes the target's member from its role's binding, or puts it back, unless the policy already says so. A
   * read-modify-write with the etag read: a stale one is 409 ABORTED, and the change is read and applied again.
   */
  async function changeBinding(target: GcpBindingTarget, change: 'remove' | 'restore'): Promise<StepOutcome> {
    const words = bindingWords(target);
    for (let attempt = 1; ; attempt += 1) {
      const current = await policy(target);
      const bindings = current.bindings ?? [];
      const present = bindings.some((b) => holds(b, target));
      if (present === (change === 'restore')) {
        return { outcome: 'already', observed: `${words}: ${present ? 'already held' : 'not held'}` };
      }
      const observed = `${words}: ${present ? 'held' : 'not held'} (policy etag ${current.etag ?? '?'})`;
      await beforeChange(observed);
      let next: iam_v1.Schema$Binding[];
      if (change === 'remove') {
        next = bindings
          .map((b) => (holds(b, target) ? { ...b, members: (b.members ?? []).filter((m) => m !== target.member) } : b))
          .filter((b) => (b.members ?? []).length > 0);
      } else {
        const same = bindings.find((b) => b.role === target.role && sameCondition(b.condition, target.condition));
        next = same
          ? bindings.map((b) => (b === same ? { ...b, members: [...(b.members ?? []), target.member] } : b))
          : [
              ...bindings,
              {
                role: target.role,
                members: [target.member],
                ...(target.condition ? { condition: { ...target.condition } } : {}),
              },
            ];
      }
      try {
        await accounts.setIamPolicy(
          {
            resource: accountName(target),
            requestBody: { policy: { bindings: next, etag: current.etag ?? null, version: 3 } },
          },
          abortable(),
        );
        return { outcome: 'done', observed };
      } catch (error) {
        // Someone changed the policy between the read and the write: read it again.
        if (
          classifyGcpError(error) instanceof ProviderUnavailableError &&
          isAborted(error) &&
          attempt < POLICY_ATTEMPTS
        ) {
          continue;
        }
        throw error;
      }
    }
  }

  async function bindingCheck(target: GcpBindingTarget, wanted: boolean): Promise<CheckResult> {
    const current = await policy(target);
    const present = (current.bindings ?? []).some((b) => holds(b, target));
    return {
      ok: present === wanted,
      evidence: `getIamPolicy shows ${bindingWords(target)} ${present ? 'held' : 'not held'} (etag ${current.etag ?? '?'})`,
    };
  }

  async function accountCheck(target: GcpServiceAccountTarget, disabled: boolean): Promise<CheckResult> {
    const seen = (await account(target)).disabled === true;
    return { ok: seen === disabled, evidence: `serviceAccounts.get shows ${target.email} ${disabledWord(seen)}` };
  }

  return {
    accounts,
    key,
    userManagedKeys,
    account,
    setKeyDisabled,
    setAccountDisabled,
    accountCheck,
    changeBinding,
    bindingCheck,
  };
}

export type GcpActivities = ReturnType<typeof createGcpActivities>;
