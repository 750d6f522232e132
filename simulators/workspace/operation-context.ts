import type { Caller } from './authn.js';
import { badRequest, notAuthorized, resourceNotFound } from './errors.js';
import type { MutationEntry } from './mutations.js';
import type { DirectoryOperation } from './routing.js';
import { findUser, type UserRecord, type WorkspaceState } from './state.js';

export interface OperationContext {
  /** The state the call reads and, for writes, changes (writes get the current state, reads the propagated view). */
  readonly state: WorkspaceState;
  readonly caller: Caller;
  readonly operation: DirectoryOperation;
  readonly userKey?: string;
  readonly clientId?: string;
  readonly query: URLSearchParams;
  /** The parsed JSON request body; {} when empty. */
  readonly body: Record<string, unknown>;
  /** Whether the request carried a body at all (signOut must not). */
  readonly hasBody: boolean;
  readonly now: Date;
  /** Records a successful change (committed to the log only if the handler returns). */
  mutated(entry: Omit<MutationEntry, 'operation' | 'at'>): void;
}

/** A handler's answer: a JSON body (200), or nothing (204). */
export type OperationResult = object | undefined;
export type OperationHandler = (ctx: OperationContext) => OperationResult;

/**
 * The user a `userKey` names: primary email, alias or id. A user of another domain is not this administrator's to
 * see (403, as Google answers keys outside the caller's customer); an unknown one of this domain is a 404.
 */
export function resolveUser(ctx: OperationContext): UserRecord {
  const key = ctx.userKey ?? '';
  const user = findUser(ctx.state, key);
  if (user) return user;
  const at = key.lastIndexOf('@');
  if (at >= 0 && key.slice(at + 1).toLowerCase() !== ctx.state.domain) throw notAuthorized();
  throw resourceNotFound('userKey');
}

/** Methods whose request body must be empty (Google: "The request body must be empty"). */
export function noBody(ctx: OperationContext): void {
  if (ctx.hasBody && Object.keys(ctx.body).length > 0) throw badRequest();
}
