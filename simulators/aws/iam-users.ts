import type { ActionHandler } from './action-context.js';
import { noSuchEntity } from './errors.js';
import { requireUser, targetUserName, userResource } from './iam-lookup.js';
import { userShape } from './iam-shapes.js';
import { paginate } from './pagination.js';

export const getUser: ActionHandler = (ctx) => {
  const userName = targetUserName(ctx);
  ctx.authorize('iam:GetUser', userResource(ctx, userName));
  return { User: userShape(ctx.state, requireUser(ctx, userName)) };
};

export const listUsers: ActionHandler = (ctx) => {
  // ListUsers has no resource type in the Service Authorization Reference, so policies must grant it on "*".
  ctx.authorize('iam:ListUsers', '*');
  const prefix = ctx.params.get('PathPrefix') ?? '/';
  const users = [...ctx.state.users.values()].filter((u) => u.path.startsWith(prefix));
  const page = paginate(users, ctx.params);
  return {
    Users: page.items.map((u) => userShape(ctx.state, u)),
    IsTruncated: page.isTruncated,
    Marker: page.marker,
  };
};

export const getLoginProfile: ActionHandler = (ctx) => {
  const userName = targetUserName(ctx);
  ctx.authorize('iam:GetLoginProfile', userResource(ctx, userName));
  const user = requireUser(ctx, userName);
  if (!user.loginProfile) throw noSuchEntity(`Login Profile for User ${userName} cannot be found.`);
  return {
    LoginProfile: {
      UserName: user.userName,
      CreateDate: user.loginProfile.createDate,
      PasswordResetRequired: user.loginProfile.passwordResetRequired,
    },
  };
};

/** Removes console access; existing console sessions are not revoked by this (AWS behaviour). */
export const deleteLoginProfile: ActionHandler = (ctx) => {
  const userName = targetUserName(ctx);
  ctx.authorize('iam:DeleteLoginProfile', userResource(ctx, userName));
  const user = requireUser(ctx, userName);
  if (!user.loginProfile) throw noSuchEntity(`Login Profile for User ${userName} cannot be found.`);
  delete user.loginProfile;
  ctx.mutated('DeleteLoginProfile', `user/${userName}`);
  return undefined;
};
