import { resourceNotFound } from './graph-errors.js';
import { noContent, ok, type GraphCall, type GraphResult } from './graph-call.js';
import { resolveServicePrincipal, type ServicePrincipalRef } from './graph-service-principals.js';
import { collectionContext, entityContext, page, parseQuery, project } from './odata.js';
import { authorize, PERMISSIONS } from './permissions.js';
import type { AppRoleAssignmentRecord, GrantRecord, SimState } from './state.js';

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
  return noContent();
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
  return noContent();
}
