import { allowFields, resolveAccount, type OperationHandler } from './operation-context.js';
import { serviceAccountJson } from './shapes.js';
import { accountName } from './state.js';

export const getServiceAccount: OperationHandler = (ctx) => {
  const { project, account } = resolveAccount(ctx, 'iam.serviceAccounts.get');
  return serviceAccountJson(project, account);
};

/** Disabling an already disabled account "has no effect" (Google's docs) and still answers {}. */
const setDisabled =
  (disabled: boolean): OperationHandler =>
  (ctx) => {
    const { project, account } = resolveAccount(
      ctx,
      disabled ? 'iam.serviceAccounts.disable' : 'iam.serviceAccounts.enable',
    );
    allowFields(ctx.body, []);
    account.disabled = disabled;
    ctx.mutated(project.projectId, accountName(project, account.email));
    return {};
  };

export const disableServiceAccount = setDisabled(true);
export const enableServiceAccount = setDisabled(false);
