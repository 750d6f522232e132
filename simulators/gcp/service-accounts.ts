import { allowFields, resolveAccount, type OperationHandler } from './operation-context.js';
import { serviceAccountJson } from './shapes.js';
import { accountName } from './state.js';

export const getServiceAccount: OperationHandler = (ctx) =>
  serviceAccountJson(ctx.state, resolveAccount(ctx, 'iam.serviceAccounts.get'));

/** Disabling an already disabled account "has no effect" (Google's docs) and still answers {}. */
const setDisabled =
  (disabled: boolean): OperationHandler =>
  (ctx) => {
    const account = resolveAccount(ctx, disabled ? 'iam.serviceAccounts.disable' : 'iam.serviceAccounts.enable');
    allowFields(ctx.body, []);
    account.disabled = disabled;
    ctx.mutated(accountName(ctx.state, account.email));
    return {};
  };

export const disableServiceAccount = setDisabled(true);
export const enableServiceAccount = setDisabled(false);
