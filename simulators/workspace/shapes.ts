import { createHash } from 'node:crypto';
import type { AppRecord, GrantRecord, UserRecord, WorkspaceState } from './state.js';

/**
 * JSON as the Directory API renders it. Unlike proto3 JSON APIs it spells out false booleans (`"suspended": false`)
 * and quotes its etags (`"\"<hash>/<hash>\""`); empty lists are left out (`tokens.list` of a user who granted
 * nothing is `{ kind, etag }`).
 */

const hash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 27);

/** A Directory etag: the customer's part, then the resource's, in quotes as Google sends them. */
export const etagOf = (state: WorkspaceState, value: unknown) => `"${hash(state.customerId)}/${hash(value)}"`;

export function userJson(state: WorkspaceState, user: UserRecord) {
  const body = {
    kind: 'admin#directory#user',
    id: user.id,
    primaryEmail: user.primaryEmail,
    name: { givenName: user.givenName, familyName: user.familyName, fullName: `${user.givenName} ${user.familyName}` },
    isAdmin: user.isAdmin,
    isDelegatedAdmin: false,
    lastLoginTime: user.lastLoginTime,
    creationTime: user.creationTime,
    agreedToTerms: true,
    suspended: user.suspended,
    ...(user.suspended && user.suspensionReason ? { suspensionReason: user.suspensionReason } : {}),
    archived: false,
    changePasswordAtNextLogin: false,
    ipWhitelisted: false,
    emails: [{ address: user.primaryEmail, primary: true }, ...user.aliases.map((address) => ({ address }))],
    ...(user.aliases.length > 0 ? { aliases: [...user.aliases] } : {}),
    customerId: state.customerId,
    orgUnitPath: user.orgUnitPath,
    isMailboxSetup: true,
    isEnrolledIn2Sv: false,
    isEnforcedIn2Sv: false,
    includeInGlobalAddressList: true,
  };
  const { kind, id, ...rest } = body;
  return { kind, id, etag: etagOf(state, rest), ...rest };
}

export function tokenJson(state: WorkspaceState, user: UserRecord, grant: GrantRecord, app: AppRecord | undefined) {
  const body = {
    clientId: grant.clientId,
    scopes: [...grant.scopes],
    userKey: user.id,
    anonymous: app?.anonymous ?? false,
    displayText: app?.displayText ?? grant.clientId,
    nativeApp: app?.nativeApp ?? false,
  };
  return { kind: 'admin#directory#token', etag: etagOf(state, body), ...body };
}

/** Wraps items in a list resource; `items` (or `users`) is left out when empty, as Google does. */
export function listJson(state: WorkspaceState, kind: string, field: string, items: unknown[], extra: object = {}) {
  const content = items.length === 0 ? {} : { [field]: items };
  return { kind, etag: etagOf(state, [kind, items]), ...content, ...extra };
}
