import {
  ApiException,
  type CoreV1Api,
  type RbacAuthorizationV1Api,
  type RbacV1Subject,
  type V1ClusterRoleBinding,
  type V1RoleBinding,
} from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { KubernetesBindingsTarget } from '../domain/action.js';
import type { CheckResult, StepOutcome } from '../domain/report.js';
import { beforeChange } from './attempt.js';
import { PermissionDeniedError, TargetNotFoundError, UnsafeStateError } from './errors.js';

// Taking a service account out of its RoleBindings and ClusterRoleBindings, and putting it back on release. The copy
// of what was removed is a ConfigMap in Revoker's own namespace (the copy namespace), written before the first
// change: whatever dies after, the copy knows what Revoker took away, and a release restores only that. The copy
// namespace must be writable by cluster admins and Revoker alone, because a release re-creates what it says; each
// entry is checked to give back nothing but the account's own subjects.

export interface BindingClients {
  core: CoreV1Api;
  rbac: RbacAuthorizationV1Api;
  copyNamespace: string;
}

const Subject = z.object({
  kind: z.string().max(64),
  name: z.string().max(512),
  namespace: z.string().max(63).optional(),
  apiGroup: z.string().max(253).optional(),
});
type Subject = z.infer<typeof Subject>;

const CopiedBinding = z.object({
  kind: z.enum(['ClusterRoleBinding', 'RoleBinding']),
  /** The RoleBinding's namespace (none for a ClusterRoleBinding). */
  namespace: z.string().max(63).optional(),
  name: z.string().max(253),
  roleRef: z.object({
    apiGroup: z.string().max(253),
    kind: z.enum(['Role', 'ClusterRole']),
    name: z.string().max(253),
  }),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  /** The account's subjects Revoker took out: a release gives back these and nothing else. */
  removed: z.array(Subject).min(1).max(10),
  /** True when the account was its only subject, so Revoker deleted the binding. */
  deleted: z.boolean(),
});
type CopiedBinding = z.infer<typeof CopiedBinding>;

const Copy = z.object({
  version: z.literal(1),
  cluster: z.string(),
  namespace: z.string(),
  serviceAccount: z.string(),
  /** `removed` while the account is out of the bindings; `restored` once a release put it back. */
  state: z.enum(['removed', 'restored']),
  at: z.string(),
  bindings: z.array(CopiedBinding).max(5000),
});
type Copy = z.infer<typeof Copy>;

const COPY_KEY = 'bindings.json';
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'revoker' };
/** A binding changed between Revoker's read and its write: read again, up to this many times. */
const ROUNDS = 3;

type Binding =
  { kind: 'ClusterRoleBinding'; value: V1ClusterRoleBinding } | { kind: 'RoleBinding'; value: V1RoleBinding };

/** The copy's ConfigMap: one per account, named by a hash (an account's name may be longer than a name allows). */
export function copyName(target: KubernetesBindingsTarget): string {
  const hash = createHash('sha256').update(`${target.namespace}/${target.serviceAccount}`).digest('hex');
  return `revoker-bindings-${hash.slice(0, 20)}`;
}

const account = (t: KubernetesBindingsTarget) => `${t.namespace}/${t.serviceAccount}`;
const refOf = (b: { kind: string; namespace?: string | undefined; name: string }) =>
  b.kind === 'RoleBinding' ? `RoleBinding/${b.namespace ?? ''}/${b.name}` : `ClusterRoleBinding/${b.name}`;
const bindingRef = (b: Binding) =>
  refOf({ kind: b.kind, namespace: b.value.metadata?.namespace, name: b.value.metadata?.name ?? '' });

/**
 * Whether a subject of a binding (in `bindingNamespace` for a RoleBinding) is the account: as a ServiceAccount (its
 * namespace defaulting to the RoleBinding's), or as the user name its tokens authenticate as.
 */
export function namesAccount(subject: Subject, bindingNamespace: string | undefined, target: KubernetesBindingsTarget) {
  if (subject.kind === 'ServiceAccount') {
    return subject.name === target.serviceAccount && (subject.namespace || bindingNamespace) === target.namespace;
  }
  return (
    subject.kind === 'User' && subject.name === `system:serviceaccount:${target.namespace}:${target.serviceAccount}`
  );
}

const conflict = (error: unknown) => error instanceof ApiException && error.code === 409;
const forbidden = (error: unknown) => error instanceof ApiException && error.code === 403;

/** A refusal in the copy namespace, said as what to apply there (the ClusterRole does not cover it). */
function copyRefused(error: unknown, namespace: string, target: KubernetesBindingsTarget): never {
  if (forbidden(error)) {
    throw new PermissionDeniedError(
      `Revoker may not read or write its copies of removed bindings in namespace ${namespace} of ${target.cluster}: create the namespace and apply the Role revoker:binding-copies and its RoleBinding there (deploy/kubernetes/clusterrole.yaml), or name the cluster's copyNamespace in the topology. Nothing was changed.`,
      { cause: error },
    );
  }
  throw error;
}
const notFound = (error: unknown) => error instanceof ApiException && error.code === 404;

async function listAll<T>(page: (cont?: string) => Promise<{ items: T[]; metadata?: { _continue?: string } }>) {
  const items: T[] = [];
  let cont: string | undefined;
  do {
    const list = await page(cont);
    items.push(...list.items);
    cont = list.metadata?._continue || undefined;
  } while (cont);
  return items;
}

/** Every binding that names the account, read page by page. */
export async function bindingsNaming(rbac: RbacAuthorizationV1Api, target: KubernetesBindingsTarget) {
  const limit = 500;
  const [cluster, namespaced] = await Promise.all([
    listAll((cont) => rbac.listClusterRoleBinding({ limit, ...(cont ? { _continue: cont } : {}) })),
    listAll((cont) => rbac.listRoleBindingForAllNamespaces({ limit, ...(cont ? { _continue: cont } : {}) })),
  ]);
  const found: Binding[] = [
    ...cluster.map((value): Binding => ({ kind: 'ClusterRoleBinding', value })),
    ...namespaced.map((value): Binding => ({ kind: 'RoleBinding', value })),
  ];
  return found.filter((b) =>
    (b.value.subjects ?? []).some((s) => namesAccount(s, b.value.metadata?.namespace, target)),
  );
}

/** The bindings naming the account, as discovery reports them. */
export async function bindingRefs(rbac: RbacAuthorizationV1Api, target: KubernetesBindingsTarget) {
  return (await bindingsNaming(rbac, target)).map(bindingRef);
}

/** The bindings naming the account, each with the role it grants (`ClusterRole/admin`): discovery and its card. */
export async function bindingGrants(rbac: RbacAuthorizationV1Api, target: KubernetesBindingsTarget) {
  return (await bindingsNaming(rbac, target)).map((b) => ({
    binding: bindingRef(b),
    role: `${b.value.roleRef.kind}/${b.value.roleRef.name}`,
  }));
}

async function readCopy({ core, copyNamespace }: BindingClients, target: KubernetesBindingsTarget) {
  const name = copyName(target);
  let map;
  try {
    map = await core.readNamespacedConfigMap({ name, namespace: copyNamespace });
  } catch (error) {
    if (notFound(error)) return undefined;
    copyRefused(error, copyNamespace, target);
  }
  const parsed = Copy.safeParse(safeJson(map.data?.[COPY_KEY]));
  const where = `ConfigMap ${copyNamespace}/${name}`;
  if (!parsed.success) {
    throw new UnsafeStateError(
      `${where} is not a copy Revoker can read (${parsed.error.issues[0]?.message ?? 'unreadable'}): it was edited by hand; nothing was changed. Compare it with the account's bindings and delete it or fix it.`,
    );
  }
  const copy = parsed.data;
  // A release re-creates what the copy says: it must give back the account's own subjects and nothing else.
  const foreign = copy.bindings.find((b) => b.removed.some((s) => !namesAccount(s, b.namespace, target)));
  if (copy.namespace !== target.namespace || copy.serviceAccount !== target.serviceAccount || foreign) {
    throw new UnsafeStateError(
      `${where} names ${foreign ? `other subjects in ${refOf(foreign)}` : `another account (${copy.namespace}/${copy.serviceAccount})`}: it was edited, and Revoker restores nothing from it. Keep the copy namespace writable by cluster admins only.`,
    );
  }
  return { copy, map, where };
}

function safeJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

async function writeCopy(
  { core, copyNamespace }: BindingClients,
  target: KubernetesBindingsTarget,
  copy: Copy,
  existing: { metadata?: { resourceVersion?: string } } | undefined,
) {
  const name = copyName(target);
  const body = {
    metadata: {
      name,
      namespace: copyNamespace,
      labels: MANAGED_BY,
      annotations: { 'revoker.dev/service-account': account(target), 'revoker.dev/cluster': target.cluster },
      ...(existing?.metadata?.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
    },
    data: { [COPY_KEY]: JSON.stringify(copy, null, 2) },
  };
  try {
    if (existing) await core.replaceNamespacedConfigMap({ name, namespace: copyNamespace, body });
    else await core.createNamespacedConfigMap({ namespace: copyNamespace, body });
  } catch (error) {
    if (notFound(error)) {
      throw new TargetNotFoundError(
        `Revoker keeps a copy of removed bindings in namespace ${copyNamespace}, which does not exist in ${target.cluster}: create it with its Role (deploy/kubernetes/clusterrole.yaml), or name another one as the cluster's copyNamespace in the topology. Nothing was removed.`,
        { cause: error },
      );
    }
    copyRefused(error, copyNamespace, target);
  }
}

function copyOf(binding: Binding, target: KubernetesBindingsTarget): CopiedBinding {
  const { metadata, roleRef, subjects = [] } = binding.value;
  const removed = subjects.filter((s) => namesAccount(s, metadata?.namespace, target));
  return {
    kind: binding.kind,
    ...(binding.kind === 'RoleBinding' ? { namespace: metadata?.namespace ?? '' } : {}),
    name: metadata?.name ?? '',
    roleRef: { apiGroup: roleRef.apiGroup, kind: roleRef.kind as 'Role' | 'ClusterRole', name: roleRef.name },
    ...(metadata?.labels ? { labels: metadata.labels } : {}),
    ...(metadata?.annotations ? { annotations: withoutLastApplied(metadata.annotations) } : {}),
    removed: removed.map(({ kind, name, namespace, apiGroup }) => ({
      kind,
      name,
      ...(namespace ? { namespace } : {}),
      ...(apiGroup ? { apiGroup } : {}),
    })),
    deleted: removed.length === subjects.length,
  };
}

function withoutLastApplied(annotations: Record<string, string>) {
  return Object.fromEntries(
    Object.entries(annotations).filter(([key]) => key !== 'kubectl.kubernetes.io/last-applied-configuration'),
  );
}

const sameBinding = (a: { kind: string; namespace?: string | undefined; name: string }, b: CopiedBinding) =>
  a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');

/** Takes the account out of one binding: deletes it if the account is its only subject, else rewrites it without. */
async function takeOut(rbac: RbacAuthorizationV1Api, binding: Binding, target: KubernetesBindingsTarget) {
  const { metadata } = binding.value;
  const name = metadata?.name ?? '';
  const rest = (binding.value.subjects ?? []).filter((s) => !namesAccount(s, metadata?.namespace, target));
  const preconditions = { uid: metadata?.uid ?? '', resourceVersion: metadata?.resourceVersion ?? '' };
  if (binding.kind === 'ClusterRoleBinding') {
    if (rest.length === 0) await rbac.deleteClusterRoleBinding({ name, body: { preconditions } });
    else await rbac.replaceClusterRoleBinding({ name, body: { ...binding.value, subjects: rest } });
  } else {
    const namespace = metadata?.namespace ?? '';
    if (rest.length === 0) await rbac.deleteNamespacedRoleBinding({ name, namespace, body: { preconditions } });
    else await rbac.replaceNamespacedRoleBinding({ name, namespace, body: { ...binding.value, subjects: rest } });
  }
}

async function rounds<T>(body: () => Promise<T>): Promise<T> {
  for (let round = 1; ; round++) {
    try {
      return await body();
    } catch (error) {
      // Someone changed a binding (or the copy) between the read and the write: read everything again.
      if (round < ROUNDS && conflict(error)) continue;
      throw error;
    }
  }
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export function createBindingActivities(clients: (cluster: string) => Promise<BindingClients>) {
  return {
    async removeKubernetesBindings(target: KubernetesBindingsTarget): Promise<StepOutcome> {
      const deps = await clients(target.cluster);
      return rounds(async () => {
        const found = await bindingsNaming(deps.rbac, target);
        const held = await readCopy(deps, target);
        const kept = held?.copy.state === 'removed' ? held.copy.bindings : [];
        if (found.length === 0) {
          return {
            outcome: 'already',
            observed: kept.length
              ? `no binding names ${account(target)}; ${held?.where ?? 'the copy'} holds the ${plural(kept.length, 'binding')} Revoker took it out of`
              : `no RoleBinding or ClusterRoleBinding names ${account(target)}`,
          };
        }
        const fresh = found.map((b) => copyOf(b, target));
        // Kept entries first: an earlier attempt's copy of a binding it already deleted must not be lost.
        const bindings = [...kept.filter((k) => !fresh.some((f) => sameBinding(f, k))), ...fresh];
        const observed = `${account(target)} was named in ${plural(found.length, 'binding')}: ${found.map(bindingRef).join(', ')}`;
        await beforeChange(observed);
        const copy: Copy = {
          version: 1,
          cluster: target.cluster,
          namespace: target.namespace,
          serviceAccount: target.serviceAccount,
          state: 'removed',
          at: new Date().toISOString(),
          bindings,
        };
        // The copy first: a crash after a binding is gone leaves the copy that puts it back.
        await writeCopy(deps, target, copy, held?.map);
        for (const binding of found) await takeOut(deps.rbac, binding, target);
        return { outcome: 'done', observed };
      });
    },

    async verifyKubernetesBindingsRemoved(target: KubernetesBindingsTarget): Promise<CheckResult> {
      const deps = await clients(target.cluster);
      const left = (await bindingsNaming(deps.rbac, target)).map(bindingRef);
      if (left.length) {
        return { ok: false, evidence: `${account(target)} is still named in ${left.join(', ')}` };
      }
      const none = `no RoleBinding or ClusterRoleBinding names ${account(target)}`;
      // The removal holds either way; a copy edited since is the release's problem, said here already.
      const held = await readCopy(deps, target).catch((error: unknown) => {
        if (error instanceof UnsafeStateError) return error;
        throw error;
      });
      if (held instanceof UnsafeStateError) return { ok: true, evidence: `${none}, but ${held.message}` };
      const copied = held?.copy.state === 'removed' ? held.copy.bindings.length : 0;
      return {
        ok: true,
        evidence: `${none}${copied ? `; ${held?.where ?? ''} holds the ${plural(copied, 'binding')} a release puts back` : ''}`,
      };
    },

    async restoreKubernetesBindings(target: KubernetesBindingsTarget): Promise<StepOutcome> {
      const deps = await clients(target.cluster);
      return rounds(async () => {
        const held = await readCopy(deps, target);
        if (!held) {
          throw new TargetNotFoundError(
            `There is no copy of ${account(target)}'s bindings (ConfigMap ${deps.copyNamespace}/${copyName(target)}): Revoker cannot tell what to put back; nothing was changed.`,
          );
        }
        if (held.copy.state === 'restored') {
          return { outcome: 'already', observed: `${held.where} says its bindings were put back on ${held.copy.at}` };
        }
        const plans = await Promise.all(held.copy.bindings.map((b) => restorePlan(deps.rbac, b)));
        const clashes = plans.flatMap((p) => (p.clash ? [p.clash] : []));
        if (clashes.length) {
          throw new UnsafeStateError(
            `${clashes.join('; ')}. Nothing was restored: restore by hand from ${held.where}, then release again.`,
          );
        }
        const todo = plans.filter((p) => p.write);
        const observed = `${account(target)} was out of ${plural(held.copy.bindings.length, 'binding')} (${held.copy.bindings.map(refOf).join(', ')})`;
        if (todo.length) await beforeChange(observed);
        for (const plan of todo) await plan.write?.();
        await writeCopy(deps, target, { ...held.copy, state: 'restored', at: new Date().toISOString() }, held.map);
        return todo.length
          ? { outcome: 'done', observed }
          : { outcome: 'already', observed: `${account(target)} is back in every binding of ${held.where}` };
      });
    },

    async verifyKubernetesBindingsRestored(target: KubernetesBindingsTarget): Promise<CheckResult> {
      const deps = await clients(target.cluster);
      const held = await readCopy(deps, target);
      if (!held) return { ok: false, evidence: `there is no copy of ${account(target)}'s bindings` };
      const missing = (await Promise.all(held.copy.bindings.map((b) => restorePlan(deps.rbac, b))))
        .filter((p) => p.write || p.clash)
        .map((p) => p.ref);
      return missing.length
        ? { ok: false, evidence: `${account(target)} is not back in ${missing.join(', ')}` }
        : {
            ok: true,
            evidence: `${account(target)} is back in ${held.copy.bindings.map(refOf).join(', ')}`,
          };
    },
  };
}

/** What putting one binding back takes: nothing, a write, or a clash to report (the name now binds another role). */
async function restorePlan(
  rbac: RbacAuthorizationV1Api,
  copied: CopiedBinding,
): Promise<{ ref: string; write?: () => Promise<unknown>; clash?: string }> {
  const ref = refOf(copied);
  const name = copied.name;
  const namespace = copied.namespace ?? '';
  let current: V1ClusterRoleBinding | V1RoleBinding | undefined;
  try {
    current =
      copied.kind === 'ClusterRoleBinding'
        ? await rbac.readClusterRoleBinding({ name })
        : await rbac.readNamespacedRoleBinding({ name, namespace });
  } catch (error) {
    if (!notFound(error)) throw error;
  }
  if (!current) {
    // Gone (deleted by Revoker, or by someone since): re-created for the account alone.
    const body = {
      metadata: {
        name,
        ...(copied.kind === 'RoleBinding' ? { namespace } : {}),
        ...(copied.labels ? { labels: copied.labels } : {}),
        annotations: { ...copied.annotations, 'revoker.dev/restored': 'true' },
      },
      roleRef: copied.roleRef,
      subjects: copied.removed as RbacV1Subject[],
    };
    return {
      ref,
      write: () =>
        copied.kind === 'ClusterRoleBinding'
          ? rbac.createClusterRoleBinding({ body })
          : rbac.createNamespacedRoleBinding({ namespace, body }),
    };
  }
  const { roleRef } = current;
  if (roleRef.kind !== copied.roleRef.kind || roleRef.name !== copied.roleRef.name) {
    return {
      ref,
      clash: `${ref} now binds ${roleRef.kind} ${roleRef.name}, not ${copied.roleRef.kind} ${copied.roleRef.name}`,
    };
  }
  const subjects = current.subjects ?? [];
  const absent = copied.removed.filter(
    (r) => !subjects.some((s) => s.kind === r.kind && s.name === r.name && (s.namespace ?? '') === (r.namespace ?? '')),
  );
  if (!absent.length) return { ref };
  const body = { ...current, subjects: [...subjects, ...(absent as RbacV1Subject[])] };
  return {
    ref,
    write: () =>
      copied.kind === 'ClusterRoleBinding'
        ? rbac.replaceClusterRoleBinding({ name, body })
        : rbac.replaceNamespacedRoleBinding({ name, namespace, body }),
  };
}
