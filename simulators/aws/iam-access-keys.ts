import type { ActionContext, ActionHandler } from './action-context.js';
import { limitExceeded, noSuchEntity, validationError } from './errors.js';
import { newLongTermAccessKeyId, newSecretAccessKey } from './ids.js';
import { requireUser, targetUserName, userResource } from './iam-lookup.js';
import { accessKeyMetadataShape, userArnOf } from './iam-shapes.js';
import { paginate } from './pagination.js';
import { accessKeysOf, type AccessKeyRecord, type KeyStatus } from './state.js';
import { isoSeconds } from './time.js';

/** AWS quota: two access keys per IAM user. */
const MAX_KEYS_PER_USER = 2;

function requireAccessKeyId(ctx: ActionContext): string {
  const id = ctx.params.require('AccessKeyId');
  if (!/^\w{16,128}$/.test(id)) {
    throw validationError(
      `1 validation error detected: Value '${id}' at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+`,
    );
  }
  return id;
}

/** A key named together with a user must belong to that user, otherwise IAM reports it as not found. */
function requireUserKey(ctx: ActionContext, userName: string, accessKeyId: string): AccessKeyRecord {
  const key = ctx.state.accessKeys.get(accessKeyId);
  if (!key || key.userName !== userName) throw noSuchEntity(`The Access Key with id ${accessKeyId} cannot be found.`);
  return key;
}

export const listAccessKeys: ActionHandler = (ctx) => {
  const userName = targetUserName(ctx);
  ctx.authorize('iam:ListAccessKeys', userResource(ctx, userName));
  requireUser(ctx, userName);
  const page = paginate(accessKeysOf(ctx.state, userName), ctx.params);
  return {
    AccessKeyMetadata: page.items.map(accessKeyMetadataShape),
    IsTruncated: page.isTruncated,
    Marker: page.marker,
  };
};

export const createAccessKey: ActionHandler = (ctx) => {
  const userName = targetUserName(ctx);
  ctx.authorize('iam:CreateAccessKey', userResource(ctx, userName));
  requireUser(ctx, userName);
  if (accessKeysOf(ctx.state, userName).length >= MAX_KEYS_PER_USER) {
    throw limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${MAX_KEYS_PER_USER}`);
  }
  const key: AccessKeyRecord = {
    accessKeyId: newLongTermAccessKeyId(),
    userName,
    secretAccessKey: newSecretAccessKey(),
    status: 'Active',
    createDate: isoSeconds(ctx.now),
  };
  ctx.state.accessKeys.set(key.accessKeyId, key);
  ctx.mutated('CreateAccessKey', key.accessKeyId);
  // The only time AWS ever returns the secret.
  return { AccessKey: { ...accessKeyMetadataShape(key), SecretAccessKey: key.secretAccessKey } };
};

export const updateAccessKey: ActionHandler = (ctx) => {
  const userName = targetUserName(ctx);
  const accessKeyId = requireAccessKeyId(ctx);
  const status = ctx.params.require('Status');
  if (status !== 'Active' && status !== 'Inactive') {
    throw validationError(
      `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`,
    );
  }
  ctx.authorize('iam:UpdateAccessKey', userResource(ctx, userName));
  requireUser(ctx, userName);
  const key = requireUserKey(ctx, userName, accessKeyId);
  key.status = status satisfies KeyStatus;
  ctx.mutated('UpdateAccessKey', accessKeyId, status);
  return undefined;
};

/**
 * Deleting (or deactivating) a key does not invalidate STS credentials minted with it before — the attacker's
 * GetFederationToken/GetSessionToken sessions stay valid until they expire or a deny policy applies.
 */
export const deleteAccessKey: ActionHandler = (ctx) => {
  const userName = targetUserName(ctx);
  const accessKeyId = requireAccessKeyId(ctx);
  ctx.authorize('iam:DeleteAccessKey', userResource(ctx, userName));
  requireUser(ctx, userName);
  requireUserKey(ctx, userName, accessKeyId);
  ctx.state.accessKeys.delete(accessKeyId);
  ctx.mutated('DeleteAccessKey', accessKeyId);
  return undefined;
};

export const getAccessKeyLastUsed: ActionHandler = (ctx) => {
  const accessKeyId = requireAccessKeyId(ctx);
  const key = ctx.state.accessKeys.get(accessKeyId);
  if (!key) throw noSuchEntity(`The Access Key with id ${accessKeyId} cannot be found.`);
  const owner = requireUser(ctx, key.userName);
  ctx.authorize('iam:GetAccessKeyLastUsed', userArnOf(ctx.state, owner));
  // Never-used keys report ServiceName and Region as "N/A" and omit LastUsedDate.
  return {
    UserName: key.userName,
    AccessKeyLastUsed: key.lastUsed
      ? { LastUsedDate: key.lastUsed.date, ServiceName: key.lastUsed.serviceName, Region: key.lastUsed.region }
      : { ServiceName: 'N/A', Region: 'N/A' },
  };
};
