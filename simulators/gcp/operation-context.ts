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
  /** What the audit log records of this call beyond its caller and status (audit-log.ts); handlers fill it in. */
  readonly audit: AuditDetails;
  /** Cloud Logging's side of the engine: how late entries become readable, and its read quota. */
  readonly logging: LoggingContext;
}

export interface LoggingContext {
  /** An entry is readable this long after its timestamp. */
  readonly visibleAfterMs: number;
  /** Counts one entries.list against the consumer project's quota; throws 429 past it. */
  takeReadQuota(consumerNumber: string): void;
}

/** The parts of an AuditLog only the method knows: what Google logs of its request and response. */
export interface AuditDetails {
  request?: Record<string, unknown>;
  response?: Record<string, unknown>;
  serviceData?: Record<string, unknown>;
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
/**
 * The project and account a route names, whether or not the caller may see them: under `projects/-/` the account's
 * own project; otherwise the project named, and the account only if it lives there.
 */
export function findAccount(ctx: Pick<OperationContext, 'org' | 'route'>): {
  project?: GcpState;
  account?: ServiceAccountRecord;
} {
  const { org, route } = ctx;
  if (route.project === '-') return findAccountAnywhere(org, route.account) ?? {};
  const project = projectOf(org, route.project);
  if (!project) return {};
  const account = findServiceAccount(project, route.account);
  return account ? { project, account } : { project };
}

/**
 * Whether the caller holds `permission` on the account (or, without one, on the project): the project's effective
 * policy, and the account's own policy, which grants on that account alone.
 */
export function permitted(
  ctx: Pick<OperationContext, 'org' | 'caller' | 'now'>,
  project: GcpState,
  permission: string,
  account?: ServiceAccountRecord,
): boolean {
  return permissionsOf(ctx.org, project, ctx.caller.email, ctx.now, account).has(permission);
}

export function resolveAccount(ctx: OperationContext, permission: string): ResolvedAccount {
  const { route } = ctx;
  const resource = route.keyId === undefined ? 'service account' : 'service account key';
  const denied = () => permissionDenied(permission, resource, route.resourceName);
  const found = findAccount(ctx);
  if (!found.project || !permitted(ctx, found.project, permission, found.account)) throw denied();
  const { project, account } = found;
  // An account of another project does not exist under this one.
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
