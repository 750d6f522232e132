import type { ActionHandler } from './action-context.js';
import { AwsError, noSuchEntity, validationError } from './errors.js';
import { requireUser, targetUserName, userResource } from './iam-lookup.js';
import { userShape } from './iam-shapes.js';
import { userIdFor } from './ids.js';
import { paginate } from './pagination.js';
import { isoSeconds } from './time.js';

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

/** A new IAM user (the first move of a backdoor: Stratus Red Team's aws.persistence.iam-backdoor-user). */
export const createUser: ActionHandler = (ctx) => {
  const userName = ctx.params.name('UserName', ctx.params.require('UserName'), 1, 64);
  const path = ctx.params.get('Path') ?? '/';
  if (!/^\/([\x21-\x7e]+\/)*$/.test(path) || path.length > 512) {
    throw validationError(
      `The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`,
    );
  }
  ctx.authorize('iam:CreateUser', userResource(ctx, userName));
  // User names are unique case-insensitively.
  if ([...ctx.state.users.keys()].some((name) => name.toLowerCase() === userName.toLowerCase())) {
    throw new AwsError('EntityAlreadyExists', `User with name ${userName} already exists.`, 409);
  }
  const user = {
    userName,
    userId: userIdFor(ctx.state.accountId, userName),
    path,
    createDate: isoSeconds(ctx.now),
    inlinePolicies: new Map<string, string>(),
    attachedPolicies: [],
    groups: [],
  };
  ctx.state.users.set(userName, user);
  ctx.mutated('CreateUser', `user/${userName}`);
  return { User: userShape(ctx.state, user) };
};

/** Console access for a user: a password (never stored here, never logged by CloudTrail). */
export const createLoginProfile: ActionHandler = (ctx) => {
  const userName = targetUserName(ctx);
  const password = ctx.params.require('Password');
  if (password.length < 8) {
    throw new AwsError('PasswordPolicyViolation', 'Password should have a minimum length of 8', 400);
  }
  ctx.authorize('iam:CreateLoginProfile', userResource(ctx, userName));
  const user = requireUser(ctx, userName);
  if (user.loginProfile)
    throw new AwsError('EntityAlreadyExists', `Login Profile for user ${userName} already exists.`, 409);
  const passwordResetRequired = ctx.params.get('PasswordResetRequired') === 'true';
  user.loginProfile = { createDate: isoSeconds(ctx.now), passwordResetRequired };
  ctx.mutated('CreateLoginProfile', `user/${userName}`);
  return {
    LoginProfile: {
      UserName: userName,
      CreateDate: user.loginProfile.createDate,
      PasswordResetRequired: passwordResetRequired,
    },
  };
};
