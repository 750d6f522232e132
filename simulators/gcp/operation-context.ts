import type { Caller } from './authn.js';
import { permissionsOf } from './authz.js';
import { invalidArgument, notFound, permissionDenied } from './errors.js';
import type { Route } from './routing.js';
import { findServiceAccount, type GcpState, type KeyRecord, type ServiceAccountRecord } from './state.js';

export interface OperationContext {
  readonly state: GcpState;
  readonly caller: Caller;
  readonly route: Route;
  readonly query: URLSearchParams;
  /** The parsed JSON request body; {} when empty. */
  readonly body: Record<string, unknown>;
  readonly now: Date;
  /** Records a successful change for the mutation log (committed only if the handler returns). */
  mutated(target: string): void;
}

export type OperationHandler = (ctx: OperationContext) => object;

/**
 * Checks the permission, then finds the account. The permission comes first, as at Google: a caller without it
 * learns nothing about existence, and under the `projects/-/` wildcard an unknown account is a 403, not a 404
 * (documented on every IAM v1 method).
 */
export function resolveAccount(ctx: OperationContext, permission: string): ServiceAccountRecord {
  const { state, route } = ctx;
  const wildcard = route.project === '-';
  const ourProject = wildcard || route.project === state.projectId || route.project === state.projectNumber;
  const account = ourProject ? findServiceAccount(state, route.account) : undefined;
  const resource = route.keyId === undefined ? 'service account' : 'service account key';
  if (!ourProject || !permissionsOf(state, ctx.caller.email).has(permission) || (wildcard && !account)) {
    throw permissionDenied(permission, resource, route.resourceName);
  }
  if (!account) {
    const requested = `projects/${route.project}/serviceAccounts/${route.account}`;
    throw notFound(`Service account ${requested} does not exist.`);
  }
  return account;
}

/** A live key of the resolved account; deleted keys and keys of other accounts are NOT_FOUND. */
export function resolveKey(ctx: OperationContext, permission: string): KeyRecord {
  const account = resolveAccount(ctx, permission);
  const keyId = ctx.route.keyId ?? '';
  const key = ctx.state.keys.get(keyId);
  if (!key || key.email !== account.email || key.deleteTime !== undefined) {
    throw notFound(`Service account key ${keyId} does not exist.`);
  }
  return key;
}

/** Google rejects unknown request fields: `Invalid JSON payload received. Unknown name "x": Cannot find field.` */
export function allowFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).find((name) => !allowed.includes(name));
  if (unknown !== undefined) {
    throw invalidArgument(`Invalid JSON payload received. Unknown name "${unknown}": Cannot find field.`);
  }
}
