import type { ActionContext, ActionHandler } from './action-context.js';
import { AwsError, limitExceeded, malformedPolicy, noSuchEntity } from './errors.js';
import { requireRole, requireUser, roleResource, userResource } from './iam-lookup.js';
import { encodePolicyDocument } from './iam-shapes.js';
import { paginate } from './pagination.js';
import { parsePolicyText, policySize, PolicyError } from './policy-doc.js';
import { isServiceLinkedRole } from './state.js';

interface OwnerKind {
  readonly kind: 'user' | 'role';
  readonly label: 'User' | 'Role';
  readonly nameParam: 'UserName' | 'RoleName';
  /** AWS quota on the aggregate size (non-whitespace characters) of one entity's inline policies. */
  readonly quota: number;
}

const USER: OwnerKind = { kind: 'user', label: 'User', nameParam: 'UserName', quota: 2048 };
const ROLE: OwnerKind = { kind: 'role', label: 'Role', nameParam: 'RoleName', quota: 10240 };

function ownerName(ctx: ActionContext, owner: OwnerKind): string {
  return ctx.params.name(owner.nameParam, ctx.params.require(owner.nameParam), 1, 64);
}

function resourceOf(ctx: ActionContext, owner: OwnerKind, name: string): string {
  return owner.kind === 'user' ? userResource(ctx, name) : roleResource(ctx, name);
}

/** Looks up the entity's policy map; service-linked roles refuse changes with UnmodifiableEntity. */
function policiesOf(ctx: ActionContext, owner: OwnerKind, name: string, forWrite: boolean): Map<string, string> {
  if (owner.kind === 'user') return requireUser(ctx, name).inlinePolicies;
  const role = requireRole(ctx, name);
  if (forWrite && isServiceLinkedRole(role)) {
    throw new AwsError(
      'UnmodifiableEntity',
      `Cannot perform the operation on the protected role '${name}' - this role is only modifiable by AWS`,
      400,
    );
  }
  return role.inlinePolicies;
}

function policyName(ctx: ActionContext): string {
  return ctx.params.name('PolicyName', ctx.params.require('PolicyName'), 1, 128);
}

function put(owner: OwnerKind): ActionHandler {
  return (ctx) => {
    const name = ownerName(ctx, owner);
    const policy = policyName(ctx);
    // Arrives as plain JSON (form-encoded on the wire), unlike the URL-encoded document Get*Policy returns.
    const document = ctx.params.require('PolicyDocument');
    ctx.authorize(`iam:Put${owner.label}Policy`, resourceOf(ctx, owner, name));
    const policies = policiesOf(ctx, owner, name, true);
    try {
      parsePolicyText(document, 'identity');
    } catch (error) {
      if (error instanceof PolicyError) throw malformedPolicy(error.message);
      throw error;
    }
    let total = policySize(document);
    for (const [existingName, text] of policies) if (existingName !== policy) total += policySize(text);
    if (total > owner.quota) {
      throw limitExceeded(`Maximum policy size of ${owner.quota} bytes exceeded for ${owner.kind} ${name}`);
    }
    policies.set(policy, document);
    ctx.mutated(`Put${owner.label}Policy`, `${owner.kind}/${name}/${policy}`);
    return undefined;
  };
}

function get(owner: OwnerKind): ActionHandler {
  return (ctx) => {
    const name = ownerName(ctx, owner);
    const policy = policyName(ctx);
    ctx.authorize(`iam:Get${owner.label}Policy`, resourceOf(ctx, owner, name));
    const document = policiesOf(ctx, owner, name, false).get(policy);
    if (document === undefined) throw noSuchEntity(`The ${owner.kind} policy with name ${policy} cannot be found.`);
    return { [owner.nameParam]: name, PolicyName: policy, PolicyDocument: encodePolicyDocument(document) };
  };
}

function remove(owner: OwnerKind): ActionHandler {
  return (ctx) => {
    const name = ownerName(ctx, owner);
    const policy = policyName(ctx);
    ctx.authorize(`iam:Delete${owner.label}Policy`, resourceOf(ctx, owner, name));
    const policies = policiesOf(ctx, owner, name, true);
    if (!policies.has(policy)) throw noSuchEntity(`The ${owner.kind} policy with name ${policy} cannot be found.`);
    policies.delete(policy);
    ctx.mutated(`Delete${owner.label}Policy`, `${owner.kind}/${name}/${policy}`);
    return undefined;
  };
}

function list(owner: OwnerKind): ActionHandler {
  return (ctx) => {
    const name = ownerName(ctx, owner);
    ctx.authorize(`iam:List${owner.label}Policies`, resourceOf(ctx, owner, name));
    const names = [...policiesOf(ctx, owner, name, false).keys()].sort();
    const page = paginate(names, ctx.params);
    return { PolicyNames: page.items, IsTruncated: page.isTruncated, Marker: page.marker };
  };
}

export const putUserPolicy = put(USER);
export const getUserPolicy = get(USER);
export const deleteUserPolicy = remove(USER);
export const listUserPolicies = list(USER);
export const putRolePolicy = put(ROLE);
export const getRolePolicy = get(ROLE);
export const deleteRolePolicy = remove(ROLE);
export const listRolePolicies = list(ROLE);
