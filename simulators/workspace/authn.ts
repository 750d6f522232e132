import { unauthenticated } from './errors.js';
import { findUser, grantByToken, type UserRecord, type WorkspaceState } from './state.js';

/** Who a bearer access token speaks for. */
export interface Caller {
  /** `issued`: from the token endpoint (a service account, maybe impersonating a user); `app`: an app's user token. */
  readonly kind: 'issued' | 'app';
  /** The service account (issued) or the app (app) the token was made for. */
  readonly clientId: string;
  readonly serviceAccount?: string;
  /** The user the token acts as: the impersonated subject, or the user who granted the app. */
  readonly user?: UserRecord;
  readonly scopes: readonly string[];
  /** The project quota is charged to: the service account's, or the app's (its client id starts with the number). */
  readonly consumerProjectNumber: string;
}

/**
 * Authenticates `Authorization: Bearer <token>`. Issued tokens are looked up in the current state (issuing one is
 * never delayed); app tokens and the users both kinds act as are looked up in `view`, the state reads see, so a
 * revoked grant or a suspension takes effect when it has propagated.
 */
export function authenticate(
  current: WorkspaceState,
  view: WorkspaceState,
  authorization: string | undefined,
  now: Date,
): Caller {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  const token = match?.[1];
  if (token === undefined) throw unauthenticated('missing');

  const issued = current.issued.get(token);
  if (issued) {
    if (Date.parse(issued.expiresAt) <= now.getTime()) throw unauthenticated('expired');
    const account = current.serviceAccounts.get(issued.serviceAccount);
    if (!account) throw unauthenticated('unknown-token');
    let user: UserRecord | undefined;
    if (issued.subject !== undefined) {
      user = findUser(view, issued.subject);
      if (!user) throw unauthenticated('user-deleted');
      if (user.suspended) throw unauthenticated('user-suspended');
    }
    return {
      kind: 'issued',
      clientId: account.clientId,
      serviceAccount: account.email,
      ...(user ? { user } : {}),
      scopes: issued.scopes,
      consumerProjectNumber: account.projectNumber,
    };
  }

  const grant = grantByToken(view, token);
  if (!grant) {
    const revoked =
      view.revoked.some((r) => r.accessToken === token) || current.revoked.some((r) => r.accessToken === token);
    throw unauthenticated(revoked ? 'token-revoked' : 'unknown-token');
  }
  const user = view.users.get(grant.userId);
  if (!user) throw unauthenticated('user-deleted');
  if (user.suspended) throw unauthenticated('user-suspended');
  return {
    kind: 'app',
    clientId: grant.clientId,
    user,
    scopes: grant.scopes,
    consumerProjectNumber: /^(\d+)-/.exec(grant.clientId)?.[1] ?? grant.clientId,
  };
}
