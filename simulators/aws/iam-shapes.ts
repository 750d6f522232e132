import { roleArn, userArn } from './arn.js';
import type { AccessKeyRecord, RoleRecord, SimState, UserRecord } from './state.js';
import type { XmlObject } from './xml.js';

/**
 * IAM returns policy documents URL-encoded per RFC 3986 (GetUserPolicy, GetRolePolicy, GetRole's
 * AssumeRolePolicyDocument); the SDK hands that string through undecoded, so clients must decodeURIComponent it.
 */
export function encodePolicyDocument(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

export const userArnOf = (state: SimState, user: UserRecord): string =>
  userArn(state.accountId, user.path, user.userName);
export const roleArnOf = (state: SimState, role: RoleRecord): string =>
  roleArn(state.accountId, role.path, role.roleName);

export function userShape(state: SimState, user: UserRecord): XmlObject {
  return {
    Path: user.path,
    UserName: user.userName,
    UserId: user.userId,
    Arn: userArnOf(state, user),
    CreateDate: user.createDate,
  };
}

export function roleShape(state: SimState, role: RoleRecord): XmlObject {
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: roleArnOf(state, role),
    CreateDate: role.createDate,
    AssumeRolePolicyDocument: encodePolicyDocument(role.assumeRolePolicy),
    Description: role.description,
    MaxSessionDuration: role.maxSessionDuration,
    // Empty when no session of the role made a request in the tracking period (400 days).
    RoleLastUsed: role.lastUsed ? { LastUsedDate: role.lastUsed.date, Region: role.lastUsed.region } : {},
  };
}

export function accessKeyMetadataShape(key: AccessKeyRecord): XmlObject {
  return { UserName: key.userName, AccessKeyId: key.accessKeyId, Status: key.status, CreateDate: key.createDate };
}
