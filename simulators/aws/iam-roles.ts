import type { ActionHandler } from './action-context.js';
import { requireRole, roleResource } from './iam-lookup.js';
import { roleShape } from './iam-shapes.js';

export const getRole: ActionHandler = (ctx) => {
  const roleName = ctx.params.name('RoleName', ctx.params.require('RoleName'), 1, 64);
  ctx.authorize('iam:GetRole', roleResource(ctx, roleName));
  return { Role: roleShape(ctx.state, requireRole(ctx, roleName)) };
};
