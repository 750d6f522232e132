import { AUDIT_ACTIVITIES, auditTarget, modified, type AuditEvent } from './audit-records.js';
import { badRequest, resourceNotFound } from './graph-errors.js';
import { noContent, ok, type GraphCall, type GraphResult } from './graph-call.js';
import { resolveServicePrincipal, type ServicePrincipalRef } from './graph-service-principals.js';
import { isGuid, newDirectoryObjectRef } from './ids.js';
import { collectionContext, entityContext, page, parseQuery, project } from './odata.js';
import { authorize, PERMISSIONS } from './permissions.js';
import type { AppRoleAssignmentRecord, GrantRecord, ServicePrincipalRecord, SimState } from './state.js';

/**
 * A consent record as the audit log keeps it: the client service principal first (its appId in
 * ServicePrincipal.AppId), then the resource it was granted on.
 */
function consentAudit(
  state: SimState,
  activity: AuditEvent['activity'],
  operationType: AuditEvent['operationType'],
  clientId: string,
  resourceId: string,
  properties: ReturnType<typeof modified>[],
): AuditEvent {
  const client = state.servicePrincipals.get(clientId);
  const resource = state.servicePrincipals.get(resourceId);
  return {
    activity,
    category: 'ApplicationManagement',
    operationType,
    targets: [
      auditTarget('ServicePrincipal', clientId, client?.displayName ?? null, [
        ...properties,
        modified('ServicePrincipal.ObjectID', undefined, clientId),
        modified('ServicePrincipal.AppId', undefined, client?.appId ?? null),
        modified('ServicePrincipal.DisplayName', undefined, client?.displayName ?? null),
      ]),
      auditTarget('ServicePrincipal', resourceId, resource?.displayName ?? null),
    ],
    additionalDetails: client ? [{ key: 'AppId', value: client.appId }] : [],
  };
}

const grantView = (grant: GrantRecord): Record<string, unknown> => ({
  clientId: grant.clientId,
  consentType: grant.consentType,
  id: grant.id,
  principalId: grant.principalId,
  resourceId: grant.resourceId,
  scope: grant.scope,
});

function assignmentView(state: SimState, assignment: AppRoleAssignmentRecord): Record<string, unknown> {
  return {
    id: assignment.id,
    deletedDateTime: null,
    appRoleId: assignment.appRoleId,
    createdDateTime: assignment.createdDateTime,
    principalDisplayName: state.servicePrincipals.get(assignment.principalId)?.displayName ?? null,
    principalId: assignment.principalId,
    principalType: 'ServicePrincipal',
    resourceDisplayName: state.servicePrincipals.get(assignment.resourceId)?.displayName ?? null,
    resourceId: assignment.resourceId,
  };
}

function listGrants(
  call: GraphCall,
  grants: GrantRecord[],
  entitySet: string,
  filters: readonly string[] = [],
): GraphResult {
  const options = parseQuery(call, { select: true, paging: true, ...(filters.length ? { filter: filters } : {}) });
  const { filter } = options;
  const matching = filter
    ? grants.filter((g) => {
        const value = g[filter.property as keyof GrantRecord];
        return typeof value === 'string' && value.toLowerCase() === filter.value.toLowerCase();
      })
    : grants;
  const { items, nextLink } = page(call, matching, options);
  return ok({
    '@odata.context': collectionContext(call, entitySet, options.select),
    ...(nextLink === undefined ? {} : { '@odata.nextLink': nextLink }),
    value: items.map((g) => project(grantView(g), options.select, 'oAuth2PermissionGrant')),
  });
}

/** GET /servicePrincipals/{id}/oauth2PermissionGrants: delegated consents where the SP is the client. */
export function listServicePrincipalGrants(call: GraphCall, ref: ServicePrincipalRef): GraphResult {
  authorize(call.caller, PERMISSIONS.readGrants);
  const sp = resolveServicePrincipal(call, ref);
  const grants = [...call.state.grants.values()].filter((g) => g.clientId === sp.id);
  return listGrants(call, grants, 'oauth2PermissionGrants');
}

/** GET /oauth2PermissionGrants[?$filter=clientId eq '…'] */
export function listAllGrants(call: GraphCall): GraphResult {
  authorize(call.caller, PERMISSIONS.readGrants);
  return listGrants(call, [...call.state.grants.values()], 'oauth2PermissionGrants', [
    'clientId',
    'consentType',
    'principalId',
    'resourceId',
  ]);
}

function lookupGrant(call: GraphCall, id: string): GrantRecord {
  const grant = call.state.grants.get(id);
  if (!grant) throw resourceNotFound(id);
  return grant;
}

export function getGrant(call: GraphCall, id: string): GraphResult {
  authorize(call.caller, PERMISSIONS.readGrants);
  const grant = lookupGrant(call, id);
  const { select } = parseQuery(call, { select: true });
  return ok({
    '@odata.context': entityContext(call, 'oauth2PermissionGrants', select),
    ...project(grantView(grant), select, 'oAuth2PermissionGrant'),
  });
}

/** DELETE /oauth2PermissionGrants/{id} → 204. Refresh tokens then fail with AADSTS65001 for those scopes. */
export function deleteGrant(call: GraphCall, id: string): GraphResult {
  authorize(call.caller, PERMISSIONS.deleteGrant);
  const grant = lookupGrant(call, id);
  call.state.grants.delete(grant.id);
  call.mutated('deleteOauth2PermissionGrant', grant.id, `clientId=${grant.clientId} scope=${grant.scope.trim()}`);
  call.audited(
    consentAudit(
      call.state,
      AUDIT_ACTIVITIES.removeDelegatedPermissionGrant,
      'Delete',
      grant.clientId,
      grant.resourceId,
      [modified('DelegatedPermissionGrant.Scope', grant.scope, undefined)],
    ),
  );
  return noContent();
}

function bodyObject(call: GraphCall): Record<string, unknown> {
  const body = call.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

function servicePrincipalNamed(call: GraphCall, value: unknown, property: string): ServicePrincipalRecord {
  if (typeof value !== 'string' || !isGuid(value)) {
    throw badRequest(`Invalid value specified for property '${property}'.`);
  }
  const sp = call.state.servicePrincipals.get(value.toLowerCase());
  if (!sp) throw resourceNotFound(value);
  return sp;
}

/**
 * POST /oauth2PermissionGrants {clientId, consentType, principalId, resourceId, scope} → 201: delegated consent,
 * as an admin (or a user, for themselves) grants it.
 */
export function createGrant(call: GraphCall): GraphResult {
  authorize(call.caller, PERMISSIONS.createGrant);
  const body = bodyObject(call);
  const client = servicePrincipalNamed(call, body.clientId, 'clientId');
  const resource = servicePrincipalNamed(call, body.resourceId, 'resourceId');
  const { consentType, principalId, scope } = body;
  if (consentType !== 'Principal' && consentType !== 'AllPrincipals') {
    throw badRequest("Invalid value specified for property 'consentType': use Principal or AllPrincipals.");
  }
  if (typeof scope !== 'string' || scope.trim() === '')
    throw badRequest("Invalid value specified for property 'scope'.");
  let principal: string | null = null;
  if (consentType === 'Principal') {
    if (typeof principalId !== 'string' || !call.state.users.has(principalId.toLowerCase())) {
      throw badRequest("A Principal grant needs 'principalId': the object id of a user.");
    }
    principal = principalId.toLowerCase();
  } else if (principalId !== undefined && principalId !== null) {
    throw badRequest("An AllPrincipals grant must not have a 'principalId'.");
  }
  const duplicate = [...call.state.grants.values()].some(
    (g) => g.clientId === client.id && g.resourceId === resource.id && g.principalId === principal,
  );
  if (duplicate) throw badRequest('Permission entry already exists.');
  const grant: GrantRecord = {
    id: newDirectoryObjectRef(),
    clientId: client.id,
    consentType,
    principalId: principal,
    resourceId: resource.id,
    scope: scope.trim(),
  };
  call.state.grants.set(grant.id, grant);
  call.mutated('createOauth2PermissionGrant', grant.id, `clientId=${grant.clientId} scope=${grant.scope}`);
  call.audited(
    consentAudit(call.state, AUDIT_ACTIVITIES.addDelegatedPermissionGrant, 'Assign', client.id, resource.id, [
      modified('DelegatedPermissionGrant.Scope', undefined, grant.scope),
      modified('DelegatedPermissionGrant.ConsentType', undefined, grant.consentType),
    ]),
  );
  return {
    status: 201,
    body: { '@odata.context': entityContext(call, 'oauth2PermissionGrants', undefined), ...grantView(grant) },
  };
}

/**
 * POST /servicePrincipals/{id}/appRoleAssignments {principalId, resourceId, appRoleId} → 201: an application
 * permission granted to the service principal (it must be the principal).
 */
export function createAppRoleAssignment(call: GraphCall, ref: ServicePrincipalRef): GraphResult {
  authorize(call.caller, PERMISSIONS.grantAppRole);
  const sp = resolveServicePrincipal(call, ref);
  const body = bodyObject(call);
  const principal = servicePrincipalNamed(call, body.principalId, 'principalId');
  if (principal.id !== sp.id) {
    throw badRequest('The principalId must be the service principal the request is made on.');
  }
  const resource = servicePrincipalNamed(call, body.resourceId, 'resourceId');
  const appRoleId = typeof body.appRoleId === 'string' ? body.appRoleId.toLowerCase() : '';
  const role = resource.appRoles.find((r) => r.id === appRoleId);
  if (!role) throw badRequest('Permission being assigned was not found on application.');
  const duplicate = [...call.state.appRoleAssignments.values()].some(
    (a) => a.principalId === sp.id && a.resourceId === resource.id && a.appRoleId === role.id,
  );
  if (duplicate) throw badRequest('Permission being assigned already exists on the object.');
  const assignment: AppRoleAssignmentRecord = {
    id: newDirectoryObjectRef(),
    appRoleId: role.id,
    principalId: sp.id,
    resourceId: resource.id,
    createdDateTime: call.now.toISOString(),
  };
  call.state.appRoleAssignments.set(assignment.id, assignment);
  call.mutated('createAppRoleAssignment', assignment.id, `principalId=${sp.id} appRoleId=${role.id}`);
  call.audited(
    consentAudit(call.state, AUDIT_ACTIVITIES.addAppRoleAssignment, 'Assign', sp.id, resource.id, [
      modified('AppRole.Id', undefined, role.id),
      modified('AppRole.Value', undefined, role.value),
      modified('AppRole.DisplayName', undefined, role.displayName),
    ]),
  );
  return {
    status: 201,
    body: {
      '@odata.context': entityContext(call, `servicePrincipals('${sp.id}')/appRoleAssignments`, undefined),
      ...assignmentView(call.state, assignment),
    },
  };
}

/** GET /servicePrincipals/{id}/appRoleAssignments: application permissions granted to the SP. */
export function listAppRoleAssignments(call: GraphCall, ref: ServicePrincipalRef): GraphResult {
  authorize(call.caller, PERMISSIONS.readAppRoleAssignments);
  const sp = resolveServicePrincipal(call, ref);
  const options = parseQuery(call, { select: true, paging: true });
  const assignments = [...call.state.appRoleAssignments.values()].filter((a) => a.principalId === sp.id);
  const { items, nextLink } = page(call, assignments, options);
  return ok({
    '@odata.context': collectionContext(call, `servicePrincipals('${sp.id}')/appRoleAssignments`, options.select),
    ...(nextLink === undefined ? {} : { '@odata.nextLink': nextLink }),
    value: items.map((a) => project(assignmentView(call.state, a), options.select, 'appRoleAssignment')),
  });
}

function lookupAssignment(call: GraphCall, ref: ServicePrincipalRef, id: string): AppRoleAssignmentRecord {
  const sp = resolveServicePrincipal(call, ref);
  const assignment = call.state.appRoleAssignments.get(id);
  if (!assignment || assignment.principalId !== sp.id) throw resourceNotFound(id);
  return assignment;
}

export function getAppRoleAssignment(call: GraphCall, ref: ServicePrincipalRef, id: string): GraphResult {
  authorize(call.caller, PERMISSIONS.readAppRoleAssignments);
  const assignment = lookupAssignment(call, ref, id);
  const { select } = parseQuery(call, { select: true });
  return ok({
    '@odata.context': entityContext(call, `servicePrincipals('${assignment.principalId}')/appRoleAssignments`, select),
    ...project(assignmentView(call.state, assignment), select, 'appRoleAssignment'),
  });
}

/**
 * DELETE /servicePrincipals/{id}/appRoleAssignments/{assignmentId} → 204. Tokens issued afterwards lack the role;
 * tokens already issued keep it until they expire.
 */
export function deleteAppRoleAssignment(call: GraphCall, ref: ServicePrincipalRef, id: string): GraphResult {
  authorize(call.caller, PERMISSIONS.deleteAppRoleAssignment);
  const assignment = lookupAssignment(call, ref, id);
  call.state.appRoleAssignments.delete(assignment.id);
  call.mutated(
    'deleteAppRoleAssignment',
    assignment.id,
    `principalId=${assignment.principalId} appRoleId=${assignment.appRoleId}`,
  );
  const role = call.state.servicePrincipals
    .get(assignment.resourceId)
    ?.appRoles.find((r) => r.id === assignment.appRoleId);
  call.audited(
    consentAudit(
      call.state,
      AUDIT_ACTIVITIES.removeAppRoleAssignment,
      'Unassign',
      assignment.principalId,
      assignment.resourceId,
      [
        modified('AppRole.Id', assignment.appRoleId, undefined),
        modified('AppRole.Value', role?.value ?? null, undefined),
      ],
    ),
  );
  return noContent();
}
