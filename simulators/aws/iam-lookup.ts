import type { ActionContext } from './action-context.js';
import { roleArn, userArn } from './arn.js';
import { noSuchEntity, validationError } from './errors.js';
import type { RoleRecord, UserRecord } from './state.js';

/**
 * IAM authorizes against the target's ARN before revealing whether it exists, so a caller without permission
 * gets AccessDenied (not NoSuchEntity) for unknown names. Unknown entities are assumed to live at path `/`.
 */
export function userResource(ctx: ActionContext, userName: string): string {
  const user = ctx.state.users.get(userName);
  return userArn(ctx.state.accountId, user?.path ?? '/', userName);
}

export function roleResource(ctx: ActionContext, roleName: string): string {
  const role = ctx.state.roles.get(roleName);
  return roleArn(ctx.state.accountId, role?.path ?? '/', roleName);
}

export function requireUser(ctx: ActionContext, userName: string): UserRecord {
  const user = ctx.state.users.get(userName);
  if (!user) throw noSuchEntity(`The user with name ${userName} cannot be found.`);
  return user;
}

export function requireRole(ctx: ActionContext, roleName: string): RoleRecord {
  const role = ctx.state.roles.get(roleName);
  if (!role) throw noSuchEntity(`The role with name ${roleName} cannot be found.`);
  return role;
}

/**
 * Many user-scoped IAM actions default `UserName` to the calling IAM user; role sessions must name the user
 * explicitly (AWS: "Must specify userName when calling with non-User credentials").
 */
export function targetUserName(ctx: ActionContext): string {
  const given = ctx.params.get('UserName');
  if (given !== undefined) return ctx.params.name('UserName', given, 1, 64);
  if (ctx.caller.type === 'assumed-role')
    throw validationError('Must specify userName when calling with non-User credentials');
  return ctx.caller.user.userName;
}
