import { createHash } from 'node:crypto';
import { aborted, invalidArgument, permissionDeniedOnResource } from './errors.js';
import {
  allowFields,
  permitted,
  resolveAccount,
  type OperationContext,
  type OperationHandler,
} from './operation-context.js';
import { PREDEFINED_ROLES } from './roles.js';
import {
  accountName,
  bindingOf,
  EMPTY_POLICY_ETAG,
  findAccountAnywhere,
  nextPolicyEtag,
  projectOf,
  type AccountPolicy,
  type Binding,
  type Condition,
  type ServiceAccountRecord,
} from './state.js';

/** A service account's own allow policy (serviceAccounts.getIamPolicy / setIamPolicy, IAM v1). */

const VERSIONS = [0, 1, 3];
const MEMBER = /^(?:serviceAccount|user|group|domain|principal|principalSet):\S+$/;

const policyOf = (account: ServiceAccountRecord): AccountPolicy =>
  account.iamPolicy ?? { version: 1, etag: EMPTY_POLICY_ETAG, bindings: [] };

const conditionKey = (condition: Condition | undefined) =>
  condition === undefined ? '' : JSON.stringify([condition.title, condition.expression, condition.description ?? '']);
const bindingKey = (binding: Pick<Binding, 'role' | 'condition'>) =>
  `${binding.role}\u0000${conditionKey(binding.condition)}`;

/**
 * The policy as the API renders it for `requestedVersion`: a policy with conditions read as version 1 (or 0) shows
 * each conditional binding under `role_withcond_<hash>` without its condition, as IAM's "policy versions" page says.
 */
export function policyJson(policy: AccountPolicy, requestedVersion = 1): Record<string, unknown> {
  const conditional = policy.bindings.some((b) => b.condition);
  const version = conditional && requestedVersion >= 3 ? 3 : 1;
  const bindings = policy.bindings.map((binding) => {
    if (!binding.condition) return { role: binding.role, members: [...binding.members] };
    if (version === 3) return bindingOf(binding);
    const hash = createHash('sha256').update(conditionKey(binding.condition)).digest('hex').slice(0, 20);
    return { role: `${binding.role}_withcond_${hash}`, members: [...binding.members] };
  });
  return { version, etag: policy.etag, ...(bindings.length === 0 ? {} : { bindings }) };
}

export function requestedVersion(ctx: OperationContext): number {
  const options = ctx.body['options'] as { requestedPolicyVersion?: unknown } | undefined;
  const raw = ctx.query.get('options.requestedPolicyVersion') ?? options?.requestedPolicyVersion ?? 0;
  const version = Number(raw);
  if (!Number.isInteger(version) || !VERSIONS.includes(version)) {
    throw invalidArgument(`Invalid requested policy version ${JSON.stringify(raw)}: valid values are 0, 1 and 3.`);
  }
  return version;
}

export const getIamPolicy: OperationHandler = (ctx) => {
  const { account } = resolveAccount(ctx, 'iam.serviceAccounts.getIamPolicy');
  allowFields(ctx.body, ['options']);
  const version = requestedVersion(ctx);
  ctx.audit.request = {
    '@type': 'type.googleapis.com/google.iam.v1.GetIamPolicyRequest',
    resource: ctx.route.resourceName,
    ...(version === 0 ? {} : { options: { requested_policy_version: version } }),
  };
  return policyJson(policyOf(account), version);
};

/**
 * A project's own allow policy (Resource Manager v3 projects.getIamPolicy): its bindings, not what it inherits from
 * folders and the organization. Like Resource Manager, a project the caller may not read, or that does not exist, is
 * the same 403.
 */
export const getProjectIamPolicy: OperationHandler = (ctx) => {
  const permission = 'resourcemanager.projects.getIamPolicy';
  const project = projectOf(ctx.org, ctx.route.project);
  if (!project || !permitted(ctx, project, permission)) {
    throw permissionDeniedOnResource(permission, 'cloudresourcemanager.googleapis.com');
  }
  allowFields(ctx.body, ['options']);
  const version = requestedVersion(ctx);
  ctx.audit.request = {
    '@type': 'type.googleapis.com/google.iam.v1.GetIamPolicyRequest',
    resource: ctx.route.resourceName,
    ...(version === 0 ? {} : { options: { requested_policy_version: version } }),
  };
  const bindings = project.bindings.map(bindingOf);
  // The etag names this revision of the bindings (the sandbox never changes a project's policy).
  const etag = `B${createHash('sha256').update(JSON.stringify(bindings)).digest('base64').slice(0, 11)}`;
  return policyJson({ version: bindings.some((b) => b.condition) ? 3 : 1, etag, bindings }, version);
};

interface ParsedBinding {
  role: string;
  members: string[];
  condition?: Condition;
}

function parseBindings(ctx: OperationContext, raw: unknown): ParsedBinding[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw invalidArgument("Invalid value at 'policy.bindings': expected a list.");
  return raw.map((item: unknown, i) => {
    const binding = (item ?? {}) as Record<string, unknown>;
    allowFields(binding, ['role', 'members', 'condition']);
    const role = binding['role'];
    if (typeof role !== 'string' || role === '') {
      throw invalidArgument(`Invalid value at 'policy.bindings[${i}].role': a role is required.`);
    }
    const project = ctx.org.projects;
    const known =
      role in PREDEFINED_ROLES ||
      [...project.values()].some((p) => p.customRoles.has(role)) ||
      ctx.org.hierarchy?.organization.customRoles.has(role) === true;
    if (!known) throw invalidArgument(`Role ${role} is not supported for this resource.`);
    const members = binding['members'] ?? [];
    if (!Array.isArray(members) || members.some((m) => typeof m !== 'string' || !MEMBER.test(m))) {
      throw invalidArgument(
        `Invalid value at 'policy.bindings[${i}].members': each member is type:identifier, e.g. serviceAccount:EMAIL or user:EMAIL.`,
      );
    }
    for (const member of members as string[]) {
      // IAM checks that a service account member exists (when it can see its project).
      const email = /^serviceAccount:(.+)$/.exec(member)?.[1];
      const projectId = email && /@([a-z][a-z0-9-]+)\.iam\.gserviceaccount\.com$/.exec(email)?.[1];
      if (email && projectId && project.has(projectId) && !findAccountAnywhere(ctx.org, email)) {
        throw invalidArgument(`Service account ${email} does not exist.`);
      }
    }
    const rawCondition = binding['condition'];
    let condition: Condition | undefined;
    if (rawCondition !== undefined) {
      const c = (rawCondition ?? {}) as Record<string, unknown>;
      allowFields(c, ['title', 'expression', 'description', 'location']);
      if (typeof c['expression'] !== 'string' || c['expression'] === '' || typeof c['title'] !== 'string') {
        throw invalidArgument(
          `Invalid value at 'policy.bindings[${i}].condition': a title and an expression are required.`,
        );
      }
      condition = {
        title: c['title'],
        expression: c['expression'],
        ...(typeof c['description'] === 'string' && c['description'] !== '' ? { description: c['description'] } : {}),
      };
    }
    return { role, members: [...new Set(members as string[])], ...(condition ? { condition } : {}) };
  });
}

/** Bindings of one role and condition merged, members each once, empty bindings dropped, in first-seen order. */
function normalize(bindings: ParsedBinding[]): Binding[] {
  const merged = new Map<string, Binding>();
  for (const binding of bindings) {
    const key = bindingKey(binding);
    const existing = merged.get(key);
    if (existing) existing.members = [...new Set([...existing.members, ...binding.members])];
    else merged.set(key, bindingOf(binding));
  }
  return [...merged.values()].filter((b) => b.members.length > 0);
}

/** What changed, as the audit log's policyDelta says it: each member added to or removed from a role. */
export function bindingDeltas(before: readonly Binding[], after: readonly Binding[]) {
  const pairs = (bindings: readonly Binding[]) =>
    new Map(
      bindings.flatMap((b) =>
        b.members.map((member) => [
          `${bindingKey(b)}\u0000${member}`,
          { role: b.role, member, condition: b.condition },
        ]),
      ),
    );
  const old = pairs(before);
  const now = pairs(after);
  const delta = (
    action: 'ADD' | 'REMOVE',
    { role, member, condition }: { role: string; member: string; condition?: Condition | undefined },
  ) => ({
    action,
    role,
    member,
    ...(condition ? { condition: bindingOf({ role, members: [], condition }).condition } : {}),
  });
  return [
    ...[...now].filter(([key]) => !old.has(key)).map(([, d]) => delta('ADD', d)),
    ...[...old].filter(([key]) => !now.has(key)).map(([, d]) => delta('REMOVE', d)),
  ];
}

/**
 * Replaces the account's policy. With an `etag`, only if it is still the policy's: a stale one is 409 ABORTED, and
 * the caller retries its whole read-modify-write (Google: "There were concurrent policy changes"). Conditions need
 * version 3.
 */
export const setIamPolicy: OperationHandler = (ctx) => {
  const { project, account } = resolveAccount(ctx, 'iam.serviceAccounts.setIamPolicy');
  allowFields(ctx.body, ['policy', 'updateMask']);
  const policy = (ctx.body['policy'] ?? undefined) as Record<string, unknown> | undefined;
  if (!policy || typeof policy !== 'object') throw invalidArgument("Invalid value at 'policy': a policy is required.");
  allowFields(policy, ['version', 'etag', 'bindings', 'auditConfigs']);
  if (policy['auditConfigs'] !== undefined) {
    throw invalidArgument('Audit configs are not supported on a service account policy.');
  }
  const version = policy['version'] ?? 1;
  if (typeof version !== 'number' || !VERSIONS.includes(version)) {
    throw invalidArgument(`Invalid policy version ${JSON.stringify(version)}: valid values are 0, 1 and 3.`);
  }
  const bindings = normalize(parseBindings(ctx, policy['bindings']));
  if (bindings.some((b) => b.condition) && version < 3) {
    throw invalidArgument('Policies with conditional role bindings must be version 3: set policy.version to 3.');
  }
  const current = policyOf(account);
  const etag = policy['etag'];
  if (etag !== undefined && etag !== current.etag) {
    throw aborted(
      'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.',
    );
  }
  const stored: AccountPolicy = {
    version: bindings.some((b) => b.condition) ? 3 : 1,
    etag: nextPolicyEtag(account.email, current.etag),
    bindings,
  };
  const deltas = bindingDeltas(current.bindings, bindings);
  account.iamPolicy = stored;
  ctx.mutated(project.projectId, accountName(project, account.email));
  const rendered = policyJson(stored, 3);
  ctx.audit.request = {
    '@type': 'type.googleapis.com/google.iam.v1.SetIamPolicyRequest',
    resource: ctx.route.resourceName,
    policy: {
      ...(bindings.length === 0 ? {} : { bindings: policyJson(stored, 3)['bindings'] }),
      ...(typeof etag === 'string' ? { etag } : {}),
      version,
    },
  };
  ctx.audit.response = { '@type': 'type.googleapis.com/google.iam.v1.Policy', ...rendered };
  ctx.audit.serviceData = {
    '@type': 'type.googleapis.com/google.iam.v1.logging.AuditData',
    policyDelta: { bindingDeltas: deltas },
  };
  return rendered;
};
