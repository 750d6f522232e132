import { authenticate } from './authn.js';
import { GoogleApiError, insufficientScopes } from './errors.js';
import { findUser, grantByToken, type WorkspaceState } from './state.js';

/**
 * What a third-party app does with a user's OAuth token, so a test can show a stolen token working before
 * containment and refused after. Not the Directory API: no faults apply here.
 */

/** Scopes Gmail's users.getProfile accepts (its reference page). */
const GMAIL_PROFILE_SCOPES = [
  'https://mail.google.com/',
  'https://www.googleapis.com/auth/gmail.modify',
  'https://www.googleapis.com/auth/gmail.compose',
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://www.googleapis.com/auth/gmail.metadata',
];

/**
 * `GET /gmail/v1/users/{me|email}/profile`: 200 `{ emailAddress, messagesTotal, threadsTotal, historyId }` for an
 * app token whose grant exists (tokens.delete ends it) of a user who is not suspended, or a delegated token with a
 * Gmail scope; 401 UNAUTHENTICATED otherwise; 403 for a token without a Gmail scope or another user's mailbox.
 */
export function gmailProfile(
  current: WorkspaceState,
  view: WorkspaceState,
  authorization: string | undefined,
  userId: string,
  now: Date,
): object {
  const caller = authenticate(current, view, authorization, now);
  if (!caller.scopes.some((scope) => GMAIL_PROFILE_SCOPES.includes(scope))) {
    throw insufficientScopes(
      'gmail.googleapis.com',
      'caribou.api.proto.MailboxService.GetProfile',
      GMAIL_PROFILE_SCOPES,
    );
  }
  const user = caller.user;
  if (!user)
    throw new GoogleApiError(
      400,
      'Precondition check failed.',
      [{ message: 'Precondition check failed.', domain: 'global', reason: 'failedPrecondition' }],
      'FAILED_PRECONDITION',
    );
  if (userId !== 'me' && findUser(view, userId)?.id !== user.id) {
    throw new GoogleApiError(
      403,
      `Delegation denied for ${user.primaryEmail}`,
      [{ message: `Delegation denied for ${user.primaryEmail}`, domain: 'global', reason: 'forbidden' }],
      'PERMISSION_DENIED',
    );
  }
  return {
    emailAddress: user.primaryEmail,
    messagesTotal: user.mailbox.messagesTotal,
    threadsTotal: user.mailbox.threadsTotal,
    historyId: user.mailbox.historyId,
  };
}

export class TokenInfoError extends Error {}

/**
 * `GET|POST /oauth2/v3/tokeninfo?access_token=…`: whether a token is alive, whose it is and for what
 * (`azp`, `aud`, `sub`, `scope`, `exp`, `expires_in`, `email`, `email_verified`, `access_type`); 400 otherwise.
 * An app token is reported as expiring an hour from now (the app would keep refreshing it).
 */
export function tokenInfo(current: WorkspaceState, view: WorkspaceState, token: string | null, now: Date): object {
  if (token === null || token === '') throw new TokenInfoError('invalid_request');
  let caller;
  try {
    caller = authenticate(current, view, `Bearer ${token}`, now);
  } catch {
    throw new TokenInfoError('invalid_token');
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const issued = current.issued.get(token);
  const exp = issued ? Math.floor(Date.parse(issued.expiresAt) / 1000) : nowSeconds + 3599;
  const grant = issued ? undefined : grantByToken(view, token);
  const clientId = grant?.clientId ?? caller.clientId;
  return {
    azp: clientId,
    aud: clientId,
    ...(caller.user ? { sub: caller.user.id } : {}),
    scope: caller.scopes.join(' '),
    exp: String(exp),
    expires_in: String(Math.max(0, exp - nowSeconds)),
    ...(caller.user ? { email: caller.user.primaryEmail, email_verified: 'true' } : {}),
    access_type: 'online',
  };
}
