import { resourceNotFound } from './errors.js';
import { resolveUser, type OperationContext, type OperationHandler } from './operation-context.js';
import { listJson, tokenJson } from './shapes.js';
import { grantsOfUser, type GrantRecord, type UserRecord } from './state.js';

export const listTokens: OperationHandler = (ctx) => {
  const user = resolveUser(ctx);
  const items = grantsOfUser(ctx.state, user.id).map((grant) =>
    tokenJson(ctx.state, user, grant, ctx.state.apps.get(grant.clientId)),
  );
  return listJson(ctx.state, 'admin#directory#tokenList', 'items', items);
};

function resolveGrant(ctx: OperationContext): { user: UserRecord; grant: GrantRecord } {
  const user = resolveUser(ctx);
  const grant = grantsOfUser(ctx.state, user.id).find((g) => g.clientId === ctx.clientId);
  if (!grant) throw resourceNotFound('clientId');
  return { user, grant };
}

export const getToken: OperationHandler = (ctx) => {
  const { user, grant } = resolveGrant(ctx);
  return tokenJson(ctx.state, user, grant, ctx.state.apps.get(grant.clientId));
};

/**
 * tokens.delete: "Deletes all access tokens issued by a user for an application." The grant leaves tokens.list and
 * the app's access token stops working (once propagated); 204. A user without a token for the client is a 404.
 */
export const deleteToken: OperationHandler = (ctx) => {
  const { user, grant } = resolveGrant(ctx);
  ctx.state.grants = ctx.state.grants.filter((g) => g !== grant);
  ctx.state.revoked.push({ ...grant, revokedAt: ctx.now.toISOString() });
  ctx.mutated({ target: user.primaryEmail, userId: user.id, clientId: grant.clientId });
  return undefined;
};
