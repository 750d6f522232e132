import { AUDIT_ACTIVITIES, auditTarget, modified, type AuditModifiedProperty } from './audit-records.js';
import { badRequest, resourceNotFound } from './graph-errors.js';
import { noContent, ok, type GraphCall, type GraphResult } from './graph-call.js';
import { entityContext, parseQuery, project } from './odata.js';
import { authorize, authorizeAuditLogs, PERMISSIONS } from './permissions.js';
import { findUser, type UserRecord } from './state.js';

/** What GET /users/{id} returns without $select; accountEnabled and signInSessionsValidFromDateTime need $select. */
const DEFAULT_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];

const userView = (user: UserRecord): Record<string, unknown> => ({
  businessPhones: [],
  displayName: user.displayName,
  givenName: user.givenName,
  jobTitle: user.jobTitle,
  mail: user.mail,
  mobilePhone: null,
  officeLocation: null,
  preferredLanguage: null,
  surname: user.surname,
  userPrincipalName: user.userPrincipalName,
  id: user.id,
  accountEnabled: user.accountEnabled,
  createdDateTime: user.createdDateTime,
  signInSessionsValidFromDateTime: user.signInSessionsValidFromDateTime,
});

function lookup(call: GraphCall, idOrUpn: string): UserRecord {
  const user = findUser(call.state, idOrUpn);
  if (!user) throw resourceNotFound(idOrUpn);
  return user;
}

/**
 * signInActivity, only on `$select` (never by default): it needs AuditLog.Read.All besides the user read, as the user
 * resource's reference says, and null until the user's first sign-in. Every field is present, null when unknown.
 */
function signInActivityOf(user: UserRecord): Record<string, unknown> | null {
  const a = user.signInActivity;
  if (!a) return null;
  return {
    lastSignInDateTime: a.lastSignInDateTime ?? null,
    lastSignInRequestId: a.lastSignInRequestId ?? null,
    lastNonInteractiveSignInDateTime: a.lastNonInteractiveSignInDateTime ?? null,
    lastNonInteractiveSignInRequestId: a.lastNonInteractiveSignInRequestId ?? null,
    lastSuccessfulSignInDateTime: a.lastSuccessfulSignInDateTime ?? null,
    lastSuccessfulSignInRequestId: a.lastSuccessfulSignInRequestId ?? null,
  };
}

function render(call: GraphCall, user: UserRecord): GraphResult {
  const { select } = parseQuery(call, { select: true });
  const activity = select?.some((p) => p.toLowerCase() === 'signinactivity') ?? false;
  if (activity) authorizeAuditLogs(call.caller);
  return ok({
    '@odata.context': entityContext(call, 'users', select),
    ...project(
      { ...userView(user), ...(activity ? { signInActivity: signInActivityOf(user) } : {}) },
      select,
      'user',
      DEFAULT_PROPERTIES,
    ),
  });
}

/** GET /users/{id | userPrincipalName} */
export function getUser(call: GraphCall, idOrUpn: string): GraphResult {
  const target = findUser(call.state, idOrUpn);
  authorize(call.caller, PERMISSIONS.readUser, target?.id);
  return render(call, lookup(call, idOrUpn));
}

/** GET /me — only meaningful for delegated tokens. */
export function getMe(call: GraphCall): GraphResult {
  if (call.caller.idtyp !== 'user') {
    throw badRequest('/me request is only valid with delegated authentication flow.');
  }
  return getUser(call, call.caller.oid);
}

/**
 * POST /users/{id}/revokeSignInSessions: moves signInSessionsValidFromDateTime to now, so every refresh token
 * issued before is refused from here on. Access tokens already issued stay valid until they expire.
 */
export function revokeSignInSessions(call: GraphCall, idOrUpn: string): GraphResult {
  authorize(call.caller, PERMISSIONS.revokeSignInSessions);
  const user = lookup(call, idOrUpn);
  const before = user.signInSessionsValidFromDateTime;
  user.signInSessionsValidFromDateTime = call.now.toISOString();
  call.mutated('revokeSignInSessions', user.id);
  call.audited({
    activity: AUDIT_ACTIVITIES.revokeSessions,
    category: 'UserManagement',
    operationType: 'Update',
    targets: [
      auditTarget(
        'User',
        user.id,
        null,
        [modified('StsRefreshTokensValidFrom', [before], [user.signInSessionsValidFromDateTime])],
        user.userPrincipalName,
      ),
    ],
  });
  return ok({ '@odata.context': `${call.graphBase}/$metadata#Edm.Boolean`, value: true });
}

const WRITABLE = new Set(['accountEnabled', 'displayName']);

/** PATCH /users/{id}: accountEnabled and displayName. */
export function updateUser(call: GraphCall, idOrUpn: string): GraphResult {
  const body = call.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object.');
  }
  const changes = body as Record<string, unknown>;
  const keys = Object.keys(changes);
  const onlyAccountEnabled = keys.every((k) => k === 'accountEnabled');
  authorize(call.caller, onlyAccountEnabled ? PERMISSIONS.updateUserAccountEnabled : PERMISSIONS.updateUser);
  const user = lookup(call, idOrUpn);
  for (const key of keys) {
    if (!WRITABLE.has(key)) {
      throw badRequest(
        `Property '${key}' does not exist as a declared property or extension property, or is not writable by this simulator.`,
      );
    }
  }
  const { accountEnabled, displayName } = changes;
  if (accountEnabled !== undefined && typeof accountEnabled !== 'boolean') {
    throw badRequest(
      `Cannot convert the literal '${JSON.stringify(accountEnabled)}' to the expected type 'Edm.Boolean'.`,
    );
  }
  if (displayName !== undefined && (typeof displayName !== 'string' || displayName.trim() === '')) {
    throw badRequest("Invalid value specified for property 'displayName' of resource 'User'.");
  }
  const properties: AuditModifiedProperty[] = [];
  if (accountEnabled !== undefined) {
    properties.push(modified('AccountEnabled', [user.accountEnabled], [accountEnabled]));
    user.accountEnabled = accountEnabled;
  }
  if (displayName !== undefined) {
    properties.push(modified('DisplayName', [user.displayName], [displayName]));
    user.displayName = displayName;
  }
  call.mutated('updateUser', user.id, keys.map((k) => `${k}=${JSON.stringify(changes[k])}`).join(', '));
  const target = () => auditTarget('User', user.id, null, properties, user.userPrincipalName);
  call.audited({
    activity: AUDIT_ACTIVITIES.updateUser,
    category: 'UserManagement',
    operationType: 'Update',
    targets: [target()],
  });
  if (accountEnabled !== undefined) {
    call.audited({
      activity: accountEnabled ? AUDIT_ACTIVITIES.enableAccount : AUDIT_ACTIVITIES.disableAccount,
      category: 'UserManagement',
      operationType: 'Update',
      targets: [target()],
    });
  }
  return noContent();
}
