import { accountName, keyName, type GcpState } from './state.js';

/** Admin/test view of the sandbox, deleted keys included (marked). The state holds no private keys to leak. */
export function publicState(state: GcpState) {
  return {
    projectId: state.projectId,
    projectNumber: state.projectNumber,
    serviceAccounts: [...state.serviceAccounts.values()].map((account) => ({
      name: accountName(state, account.email),
      email: account.email,
      uniqueId: account.uniqueId,
      ...(account.displayName === undefined ? {} : { displayName: account.displayName }),
      disabled: account.disabled,
      keys: [...state.keys.values()]
        .filter((key) => key.email === account.email)
        .map((key) => ({
          name: keyName(state, key),
          keyId: key.keyId,
          keyType: key.keyType,
          keyOrigin: key.keyOrigin,
          validAfterTime: key.validAfterTime,
          validBeforeTime: key.validBeforeTime,
          disabled: key.disabled,
          deleted: key.deleteTime !== undefined,
          ...(key.deleteTime === undefined ? {} : { deleteTime: key.deleteTime }),
        })),
    })),
    iamPolicy: { bindings: state.bindings.map((b) => ({ role: b.role, members: [...b.members] })) },
    customRoles: Object.fromEntries(state.customRoles),
  };
}

export type PublicGcpState = ReturnType<typeof publicState>;
