import { generateAccessToken } from './credentials.js';
import { getIamPolicy, getProjectIamPolicy, setIamPolicy } from './iam-policy.js';
import { listLogEntries } from './log-entries.js';
import type { OperationHandler } from './operation-context.js';
import type { Operation } from './routing.js';
import { createKey, deleteKey, disableKey, enableKey, getKey, listKeys } from './service-account-keys.js';
import { disableServiceAccount, enableServiceAccount, getServiceAccount } from './service-accounts.js';

/** The methods this simulator serves, by the name their client library gives them (`@googleapis/iam` under
 * projects.serviceAccounts, `@googleapis/iamcredentials`, `@googleapis/logging`, `@googleapis/cloudresourcemanager`). */
export const OPERATIONS: Readonly<Record<Operation, OperationHandler>> = {
  'serviceAccounts.get': getServiceAccount,
  'serviceAccounts.disable': disableServiceAccount,
  'serviceAccounts.enable': enableServiceAccount,
  'serviceAccounts.getIamPolicy': getIamPolicy,
  'serviceAccounts.setIamPolicy': setIamPolicy,
  'serviceAccounts.generateAccessToken': generateAccessToken,
  'keys.list': listKeys,
  'keys.get': getKey,
  'keys.create': createKey,
  'keys.disable': disableKey,
  'keys.enable': enableKey,
  'keys.delete': deleteKey,
  'entries.list': listLogEntries,
  'projects.getIamPolicy': getProjectIamPolicy,
};
