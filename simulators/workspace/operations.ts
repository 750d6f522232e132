import type { OperationHandler } from './operation-context.js';
import type { DirectoryOperation } from './routing.js';
import { deleteToken, getToken, listTokens } from './tokens.js';
import { getUser, listUsers, signOutUser, updateUser } from './users.js';

const SCOPE = 'https://www.googleapis.com/auth/';
const USER = `${SCOPE}admin.directory.user`;
const USER_READONLY = `${SCOPE}admin.directory.user.readonly`;
const USER_SECURITY = `${SCOPE}admin.directory.user.security`;

export interface OperationSpec {
  readonly handler: OperationHandler;
  /** Any one of these scopes lets a token call the method (each method's "Authorization scopes"). */
  readonly scopes: readonly string[];
  /** The method's name inside Google, as ACCESS_TOKEN_SCOPE_INSUFFICIENT's ErrorInfo names it. */
  readonly internalName: string;
}

const users = (method: string) => `ccc.hosted.frontend.directory.v1.DirectoryUsers.${method}`;
const tokens = (method: string) => `ccc.hosted.frontend.directory.v1.DirectoryTokens.${method}`;

/** The Directory API methods served, with the scopes their reference pages list. */
export const OPERATIONS: Readonly<Record<DirectoryOperation, OperationSpec>> = {
  'users.get': { handler: getUser, scopes: [USER, USER_READONLY], internalName: users('Get') },
  'users.list': { handler: listUsers, scopes: [USER, USER_READONLY], internalName: users('List') },
  'users.update': { handler: updateUser, scopes: [USER], internalName: users('Update') },
  'users.patch': { handler: updateUser, scopes: [USER], internalName: users('Patch') },
  'users.signOut': { handler: signOutUser, scopes: [USER_SECURITY], internalName: users('SignOut') },
  'tokens.list': { handler: listTokens, scopes: [USER_SECURITY], internalName: tokens('List') },
  'tokens.get': { handler: getToken, scopes: [USER_SECURITY], internalName: tokens('Get') },
  'tokens.delete': { handler: deleteToken, scopes: [USER_SECURITY], internalName: tokens('Delete') },
};
