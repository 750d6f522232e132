import {
  accountName,
  bindingOf,
  keyName,
  primaryOf,
  type GcpOrganisation,
  type GcpState,
  type PolicyNode,
} from './state.js';

const policyOf = (node: { bindings: PolicyNode['bindings'] }) => ({ bindings: node.bindings.map(bindingOf) });

/**
 * Admin/test view of one project, deleted keys included (marked). The state holds no private keys to leak, and
 * minted access tokens only as hashes, which the view leaves out too (who, for whom, until when).
 * `parent` is where the project sits when there is a hierarchy (the organization unless it names a folder).
 */
export function publicState(state: GcpState, org?: GcpOrganisation) {
  const parent = state.parent ?? org?.hierarchy?.organization.name;
  return {
    projectId: state.projectId,
    projectNumber: state.projectNumber,
    ...(parent === undefined ? {} : { parent }),
    serviceAccounts: [...state.serviceAccounts.values()].map((account) => ({
      name: accountName(state, account.email),
      email: account.email,
      uniqueId: account.uniqueId,
      ...(account.displayName === undefined ? {} : { displayName: account.displayName }),
      disabled: account.disabled,
      ...(account.iamPolicy === undefined
        ? {}
        : {
            iamPolicy: {
              version: account.iamPolicy.version,
              etag: account.iamPolicy.etag,
              ...policyOf(account.iamPolicy),
            },
          }),
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
    iamPolicy: policyOf(state),
    customRoles: Object.fromEntries(state.customRoles),
    accessTokens: [...state.tokens.values()].map((token) => ({
      email: token.email,
      via: token.via,
      issuedAt: token.issuedAt,
      expiresAt: token.expiresAt,
      ...(token.keyName === undefined ? {} : { keyName: token.keyName }),
      ...(token.delegates.length === 0 ? {} : { delegates: token.delegates }),
    })),
    auditLogEntries: state.auditLog.length,
  };
}

export type PublicGcpProject = ReturnType<typeof publicState>;

/** The organization and folders with their allow policies; undefined without a hierarchy. */
export function publicHierarchy(org: GcpOrganisation) {
  const hierarchy = org.hierarchy;
  if (!hierarchy) return undefined;
  const { organization } = hierarchy;
  return {
    organization: {
      name: organization.name,
      displayName: organization.displayName,
      iamPolicy: policyOf(organization),
      customRoles: Object.fromEntries(organization.customRoles),
    },
    folders: [...hierarchy.folders.values()].map((folder) => ({
      name: folder.name,
      displayName: folder.displayName,
      parent: folder.parent,
      iamPolicy: policyOf(folder),
    })),
  };
}

/** `GET /_sim/state`: the primary project as before, the other projects under `members`, the hierarchy if any. */
export function publicOrganisation(org: GcpOrganisation) {
  const primary = primaryOf(org);
  const hierarchy = publicHierarchy(org);
  return {
    ...publicState(primary, org),
    members: [...org.projects.values()].filter((p) => p !== primary).map((p) => publicState(p, org)),
    ...(hierarchy === undefined ? {} : { hierarchy }),
  };
}

export type PublicGcpState = ReturnType<typeof publicOrganisation>;
