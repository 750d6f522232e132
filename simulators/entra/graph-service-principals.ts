import { AUDIT_ACTIVITIES, auditTarget, keyDescriptions, modified } from './audit-records.js';
import { addedPassword, newPasswordCredential } from './graph-applications.js';
import { badRequest, resourceNotFound } from './graph-errors.js';
import {
  credentialPermission,
  removeKey,
  removePassword,
  replaceKeyCredentials,
  servicePrincipalCredentialsAudit,
} from './graph-credentials.js';
import { noContent, ok, type GraphCall, type GraphResult } from './graph-call.js';
import { collectionContext, entityContext, page, parseQuery, project } from './odata.js';
import { authorize, PERMISSIONS } from './permissions.js';
import { findServicePrincipalByAppId, type ServicePrincipalRecord } from './state.js';

/** How a URL names a service principal: `/servicePrincipals/{id}` or `/servicePrincipals(appId='{appId}')`. */
export type ServicePrincipalRef = { readonly by: 'id' | 'appId'; readonly value: string };

export function resolveServicePrincipal(call: GraphCall, ref: ServicePrincipalRef): ServicePrincipalRecord {
  const sp =
    ref.by === 'id'
      ? call.state.servicePrincipals.get(ref.value.toLowerCase())
      : findServicePrincipalByAppId(call.state, ref.value);
  if (!sp) throw resourceNotFound(ref.value);
  return sp;
}

export function servicePrincipalView(sp: ServicePrincipalRecord): Record<string, unknown> {
  return {
    id: sp.id,
    deletedDateTime: null,
    accountEnabled: sp.accountEnabled,
    appDisplayName: sp.displayName,
    appId: sp.appId,
    appOwnerOrganizationId: sp.appOwnerOrganizationId,
    appRoles: sp.appRoles.map((r) => ({
      allowedMemberTypes: ['Application'],
      description: r.displayName,
      displayName: r.displayName,
      id: r.id,
      isEnabled: true,
      origin: 'Application',
      value: r.value,
    })),
    displayName: sp.displayName,
    isFallbackPublicClient: sp.isFallbackPublicClient,
    keyCredentials: sp.keyCredentials.map((k) => ({
      customKeyIdentifier: k.customKeyIdentifier,
      displayName: k.displayName,
      endDateTime: k.endDateTime,
      key: null,
      keyId: k.keyId,
      startDateTime: k.startDateTime,
      type: k.type,
      usage: k.usage,
    })),
    passwordCredentials: sp.passwordCredentials.map((p) => ({
      customKeyIdentifier: null,
      displayName: p.displayName,
      endDateTime: p.endDateTime,
      hint: p.hint,
      keyId: p.keyId,
      secretText: null,
      startDateTime: p.startDateTime,
    })),
    servicePrincipalNames: [sp.appId],
    servicePrincipalType: 'Application',
    signInAudience: sp.signInAudience,
    tags: [...sp.tags],
  };
}

/** GET /servicePrincipals/{id} and /servicePrincipals(appId='{appId}'). */
export function getServicePrincipal(call: GraphCall, ref: ServicePrincipalRef): GraphResult {
  authorize(call.caller, PERMISSIONS.readServicePrincipal);
  const sp = resolveServicePrincipal(call, ref);
  const { select } = parseQuery(call, { select: true });
  return ok({
    '@odata.context': entityContext(call, 'servicePrincipals', select),
    ...project(servicePrincipalView(sp), select, 'servicePrincipal'),
  });
}

/** GET /servicePrincipals[?$filter=appId eq '…'] */
export function listServicePrincipals(call: GraphCall): GraphResult {
  authorize(call.caller, PERMISSIONS.readServicePrincipal);
  const options = parseQuery(call, { select: true, paging: true, filter: ['appId', 'displayName', 'id'] });
  const { filter } = options;
  const all = [...call.state.servicePrincipals.values()].filter((sp) => {
    if (!filter) return true;
    const value = sp[filter.property as 'appId' | 'displayName' | 'id'];
    return filter.property === 'displayName' ? value === filter.value : value === filter.value.toLowerCase();
  });
  const { items, nextLink } = page(call, all, options);
  return ok({
    '@odata.context': collectionContext(call, 'servicePrincipals', options.select),
    ...(nextLink === undefined ? {} : { '@odata.nextLink': nextLink }),
    value: items.map((sp) => project(servicePrincipalView(sp), options.select, 'servicePrincipal')),
  });
}

const PATCHABLE = new Set(['accountEnabled', 'displayName', 'keyCredentials']);

/** PATCH /servicePrincipals/{id}: accountEnabled, displayName and keyCredentials (replaces the list). */
export function updateServicePrincipal(call: GraphCall, ref: ServicePrincipalRef): GraphResult {
  credentialPermission(call);
  const sp = resolveServicePrincipal(call, ref);
  const body = call.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object.');
  }
  const changes = body as Record<string, unknown>;
  for (const key of Object.keys(changes)) {
    if (key === 'passwordCredentials') {
      throw badRequest(
        "Property 'passwordCredentials' is read-only and cannot be set. Use addPassword and removePassword.",
      );
    }
    if (!PATCHABLE.has(key)) {
      throw badRequest(
        `Property '${key}' does not exist as a declared property or extension property, or is not writable by this simulator.`,
      );
    }
  }
  const { accountEnabled, displayName, keyCredentials } = changes;
  if (accountEnabled !== undefined && typeof accountEnabled !== 'boolean') {
    throw badRequest(
      `Cannot convert the literal '${JSON.stringify(accountEnabled)}' to the expected type 'Edm.Boolean'.`,
    );
  }
  if (displayName !== undefined && (typeof displayName !== 'string' || displayName.trim() === '')) {
    throw badRequest("Invalid value specified for property 'displayName' of resource 'ServicePrincipal'.");
  }
  // Validate everything before changing anything: a refused PATCH leaves the object as it was.
  const nextKeys = keyCredentials === undefined ? undefined : replaceKeyCredentials(sp, keyCredentials);
  const details: string[] = [];
  const properties = [];
  if (accountEnabled !== undefined) {
    properties.push(modified('AccountEnabled', [sp.accountEnabled], [accountEnabled]));
    sp.accountEnabled = accountEnabled;
    details.push(`accountEnabled=${String(accountEnabled)}`);
  }
  if (typeof displayName === 'string') {
    properties.push(modified('DisplayName', [sp.displayName], [displayName]));
    sp.displayName = displayName;
    details.push(`displayName=${JSON.stringify(displayName)}`);
  }
  const keysBefore = keyDescriptions(sp);
  if (nextKeys) {
    const removed = sp.keyCredentials.filter((k) => !nextKeys.includes(k)).map((k) => k.keyId);
    const added = nextKeys.filter((k) => !sp.keyCredentials.includes(k)).map((k) => k.keyId);
    sp.keyCredentials = nextKeys;
    details.push(`keyCredentials removed=[${removed.join(',')}] added=[${added.join(',')}]`);
    properties.push(modified('KeyDescription', keysBefore, keyDescriptions(sp)));
  }
  call.mutated('updateServicePrincipal', sp.id, details.join('; '));
  call.audited({
    activity: AUDIT_ACTIVITIES.updateServicePrincipal,
    category: 'ApplicationManagement',
    operationType: 'Update',
    targets: [auditTarget('ServicePrincipal', sp.id, sp.displayName, properties)],
    additionalDetails: [{ key: 'AppId', value: sp.appId }],
  });
  return noContent();
}

/** POST /servicePrincipals/{id}/addPassword → 200 passwordCredential (secretText this once). */
export function addPasswordOf(call: GraphCall, ref: ServicePrincipalRef): GraphResult {
  authorize(call.caller, PERMISSIONS.addServicePrincipalPassword);
  const sp = resolveServicePrincipal(call, ref);
  const credential = newPasswordCredential(call);
  const before = keyDescriptions(sp);
  sp.passwordCredentials.push(credential);
  call.mutated('addPassword', sp.id, `keyId=${credential.keyId}`);
  call.audited(servicePrincipalCredentialsAudit(sp, before, 'add'));
  return addedPassword(call, credential);
}

export function removePasswordOf(call: GraphCall, ref: ServicePrincipalRef): GraphResult {
  credentialPermission(call);
  return removePassword(call, resolveServicePrincipal(call, ref));
}

export function removeKeyOf(call: GraphCall, ref: ServicePrincipalRef): Promise<GraphResult> {
  credentialPermission(call);
  return removeKey(call, resolveServicePrincipal(call, ref));
}
