import type { ActionHandler } from './action-context.js';
import {
  createAccessKey,
  deleteAccessKey,
  getAccessKeyLastUsed,
  listAccessKeys,
  updateAccessKey,
} from './iam-access-keys.js';
import {
  deleteRolePolicy,
  deleteUserPolicy,
  getRolePolicy,
  getUserPolicy,
  listRolePolicies,
  listUserPolicies,
  putRolePolicy,
  putUserPolicy,
} from './iam-inline-policies.js';
import {
  listAttachedGroupPolicies,
  listAttachedRolePolicies,
  listAttachedUserPolicies,
  listGroupPolicies,
  listGroupsForUser,
} from './iam-managed-policies.js';
import { getRole } from './iam-roles.js';
import {
  createLoginProfile,
  createUser,
  deleteLoginProfile,
  getLoginProfile,
  getUser,
  listUsers,
} from './iam-users.js';

/** IAM Query actions the simulator implements (API version 2010-05-08). */
export const IAM_ACTIONS: ReadonlyMap<string, ActionHandler> = new Map([
  ['GetUser', getUser],
  ['CreateUser', createUser],
  ['CreateLoginProfile', createLoginProfile],
  ['ListUsers', listUsers],
  ['GetLoginProfile', getLoginProfile],
  ['DeleteLoginProfile', deleteLoginProfile],
  ['ListAccessKeys', listAccessKeys],
  ['CreateAccessKey', createAccessKey],
  ['UpdateAccessKey', updateAccessKey],
  ['DeleteAccessKey', deleteAccessKey],
  ['GetAccessKeyLastUsed', getAccessKeyLastUsed],
  ['PutUserPolicy', putUserPolicy],
  ['GetUserPolicy', getUserPolicy],
  ['DeleteUserPolicy', deleteUserPolicy],
  ['ListUserPolicies', listUserPolicies],
  ['GetRole', getRole],
  ['PutRolePolicy', putRolePolicy],
  ['GetRolePolicy', getRolePolicy],
  ['DeleteRolePolicy', deleteRolePolicy],
  ['ListRolePolicies', listRolePolicies],
  ['ListAttachedUserPolicies', listAttachedUserPolicies],
  ['ListAttachedRolePolicies', listAttachedRolePolicies],
  ['ListGroupsForUser', listGroupsForUser],
  ['ListAttachedGroupPolicies', listAttachedGroupPolicies],
  ['ListGroupPolicies', listGroupPolicies],
]);
