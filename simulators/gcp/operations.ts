import type { OperationHandler } from './operation-context.js';
import type { Operation } from './routing.js';
import { deleteKey, disableKey, enableKey, getKey, listKeys } from './service-account-keys.js';
import { disableServiceAccount, enableServiceAccount, getServiceAccount } from './service-accounts.js';

/** The IAM v1 methods this simulator serves, by the name `@googleapis/iam` gives them under projects.serviceAccounts. */
export const OPERATIONS: Readonly<Record<Operation, OperationHandler>> = {
  'serviceAccounts.get': getServiceAccount,
  'serviceAccounts.disable': disableServiceAccount,
  'serviceAccounts.enable': enableServiceAccount,
  'keys.list': listKeys,
  'keys.get': getKey,
  'keys.disable': disableKey,
  'keys.enable': enableKey,
  'keys.delete': deleteKey,
};
