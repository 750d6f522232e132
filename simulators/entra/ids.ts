import { randomBytes, randomUUID } from 'node:crypto';

export const newGuid = (): string => randomUUID();

/** appRoleAssignment and oauth2PermissionGrant ids are 43-character base64url strings, not GUIDs. */
export const newDirectoryObjectRef = (): string => randomBytes(32).toString('base64url').slice(0, 43);

/** Entra refresh tokens are long opaque strings starting with `0.A` / `1.A`; this one says where it came from. */
export const newRefreshToken = (): string => `1.AQ-sim-rt.${randomBytes(48).toString('base64url')}`;

/** The `uti` claim: a per-token id, 22 characters of base64url. */
export const newTokenId = (): string => randomBytes(16).toString('base64url');

export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (value: string): boolean => GUID_PATTERN.test(value);
