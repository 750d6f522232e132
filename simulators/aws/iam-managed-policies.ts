import type { ActionContext, ActionHandler } from './action-context.js';
import { groupArn } from './arn.js';
import { noSuchEntity } from './errors.js';
import { requireRole, requireUser, roleResource, targetUserName, userResource } from './iam-lookup.js';
import { policyNameOf } from './managed-policies.js';
import { paginate } from './pagination.js';
import type { GroupRecord } from './state.js';

/** The path of a managed policy, from its ARN: `arn:aws:iam::aws:policy/service-role/X` is `/service-role/`. */
const policyPath = (arn: string) => arn.slice(arn.indexOf(':policy') + ':policy'.length, arn.lastIndexOf('/') + 1);

/** `AttachedPolicies` as the List*Attached*Policies actions return them, filtered by `PathPrefix`, paged. */
function attached(ctx: ActionContext, arns: readonly string[]) {
  const prefix = ctx.params.get('PathPrefix') ?? '/';
  const page = paginate(
    arns.filter((arn) => policyPath(arn).startsWith(prefix)),
    ctx.params,
  );
  return {
    AttachedPolicies: page.items.map((arn) => ({ PolicyName: policyNameOf(arn), PolicyArn: arn })),
    IsTruncated: page.isTruncated,
    Marker: page.marker,
  };
}

function groupName(ctx: ActionContext): string {
  return ctx.params.name('GroupName', ctx.params.require('GroupName'), 1, 128);
}

/** IAM authorizes on the group's ARN before it says whether the group exists. */
function groupResource(ctx: ActionContext, name: string): string {
  return groupArn(ctx.state.accountId, ctx.state.groups.get(name)?.path ?? '/', name);
}

function requireGroup(ctx: ActionContext, name: string): GroupRecord {
  const group = ctx.state.groups.get(name);
  if (!group) throw noSuchEntity(`The group with name ${name} cannot be found.`);
  return group;
}

export const listAttachedUserPolicies: ActionHandler = (ctx) => {
  const userName = targetUserName(ctx);
  ctx.authorize('iam:ListAttachedUserPolicies', userResource(ctx, userName));
  return attached(ctx, requireUser(ctx, userName).attachedPolicies);
};

export const listAttachedRolePolicies: ActionHandler = (ctx) => {
  const roleName = ctx.params.name('RoleName', ctx.params.require('RoleName'), 1, 64);
  ctx.authorize('iam:ListAttachedRolePolicies', roleResource(ctx, roleName));
  return attached(ctx, requireRole(ctx, roleName).attachedPolicies);
};

export const listAttachedGroupPolicies: ActionHandler = (ctx) => {
  const name = groupName(ctx);
  ctx.authorize('iam:ListAttachedGroupPolicies', groupResource(ctx, name));
  return attached(ctx, requireGroup(ctx, name).attachedPolicies);
};

export const listGroupPolicies: ActionHandler = (ctx) => {
  const name = groupName(ctx);
  ctx.authorize('iam:ListGroupPolicies', groupResource(ctx, name));
  const page = paginate([...requireGroup(ctx, name).inlinePolicies.keys()].sort(), ctx.params);
  return { PolicyNames: page.items, IsTruncated: page.isTruncated, Marker: page.marker };
};

export const listGroupsForUser: ActionHandler = (ctx) => {
  const userName = targetUserName(ctx);
  ctx.authorize('iam:ListGroupsForUser', userResource(ctx, userName));
  const groups = requireUser(ctx, userName).groups.flatMap((name) => ctx.state.groups.get(name) ?? []);
  const page = paginate(groups, ctx.params);
  return {
    Groups: page.items.map((group) => ({
      Path: group.path,
      GroupName: group.groupName,
      GroupId: group.groupId,
      Arn: groupArn(ctx.state.accountId, group.path, group.groupName),
      CreateDate: group.createDate,
    })),
    IsTruncated: page.isTruncated,
    Marker: page.marker,
  };
};
