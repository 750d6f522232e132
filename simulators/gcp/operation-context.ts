import type { Caller } from './authn.js';
import { permissionsOf } from './authz.js';
import { invalidArgument, notFound, permissionDenied } from './errors.js';
import type { Route } from './routing.js';
import {
  findAccountAnywhere,
  findServiceAccount,
  projectOf,
  type GcpOrganisation,
  type GcpState,
  type KeyRecord,
  type ServiceAccountRecord,
} from './state.js';

export interface OperationContext {
  /** Every project served, and the hierarchy above them. */
  readonly org: GcpOrganisation;
  readonly caller: Caller;
  readonly route: Route;
  readonly query: URLSearchParams;
  /** The parsed JSON request body; {} when empty. */
  readonly body: Record<string, unknown>;
  readonly now: Date;
  /** Records a successful change in `projectId` for the mutation log (committed only if the handler returns). */
  mutated(projectId: string, target: string): void;
}

export type OperationHandler = (ctx: OperationContext) => object;

export interface ResolvedAccount {
  /** The project the account lives in: its policy, with what it inherits, decided the call. */
  readonly project: GcpState;
  readonly account: ServiceAccountRecord;
}

/**
 * Checks the permission, then finds the account. The permission comes first, as at Google: a caller without it
 * learns nothing about existence, and under the `projects/-/` wildcard an unknown account is a 403, not a 404
 * (documented on every IAM v1 method). The permission is evaluated on the target project's effective policy
 * (its own bindings and those it inherits), never the caller's. A project this simulator does not serve is one
 * nobody holds a permission in, so it is refused with the same 403.
 */
export function resolveAccount(ctx: OperationContext, permission: string): ResolvedAccount {
  const { org, route } = ctx;
  const resource = route.keyId === undefined ? 'service account' : 'service account key';
  const permitted = (project: GcpState) => permissionsOf(org, project, ctx.caller.email).has(permission);
  if (route.project === '-') {
    const found = findAccountAnywhere(org, route.account);
    if (!found || !permitted(found.project)) throw permissionDenied(permission, resource, route.resourceName);
    return found;
  }
  const project = projectOf(org, route.project);
  if (!project || !permitted(project)) throw permissionDenied(permission, resource, route.resourceName);
  // An account of another project does not exist under this one.
  const account = findServiceAccount(project, route.account);
  if (!account) {
    const requested = `projects/${route.project}/serviceAccounts/${route.account}`;
    throw notFound(`Service account ${requested} does not exist.`);
  }
  return { project, account };
}

/** A live key of the resolved account; deleted keys and keys of other accounts are NOT_FOUND. */
export function resolveKey(ctx: OperationContext, permission: string): ResolvedAccount & { key: KeyRecord } {
  const resolved = resolveAccount(ctx, permission);
  const keyId = ctx.route.keyId ?? '';
  const key = resolved.project.keys.get(keyId);
  if (!key || key.email !== resolved.account.email || key.deleteTime !== undefined) {
    throw notFound(`Service account key ${keyId} does not exist.`);
  }
  return { ...resolved, key };
}

/** Google rejects unknown request fields: `Invalid JSON payload received. Unknown name "x": Cannot find field.` */
export function allowFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).find((name) => !allowed.includes(name));
  if (unknown !== undefined) {
    throw invalidArgument(`Invalid JSON payload received. Unknown name "${unknown}": Cannot find field.`);
  }
}
