import { GraphError, methodNotAllowed, unknownSegment } from './graph-errors.js';
import type { GraphCall, GraphResult } from './graph-call.js';
import {
  addApplicationPassword,
  addFederatedCredential,
  deleteFederatedCredential,
  getApplication,
  getFederatedCredential,
  listApplications,
  listFederatedCredentials,
  removeApplicationPassword,
  updateApplication,
  type ApplicationRef,
} from './graph-applications.js';
import { getDirectoryAudit, getSignIn, listDirectoryAudits, listSignIns } from './graph-audit-logs.js';
import {
  createAppRoleAssignment,
  createGrant,
  deleteAppRoleAssignment,
  deleteGrant,
  getAppRoleAssignment,
  getGrant,
  listAllGrants,
  listAppRoleAssignments,
  listServicePrincipalGrants,
} from './graph-consent.js';
import {
  addPasswordOf,
  getServicePrincipal,
  listServicePrincipals,
  removeKeyOf,
  removePasswordOf,
  updateServicePrincipal,
  type ServicePrincipalRef,
} from './graph-service-principals.js';
import { getMe, getUser, revokeSignInSessions, updateUser } from './graph-users.js';

type Handlers = Partial<Record<string, () => GraphResult | Promise<GraphResult>>>;

function dispatch(call: GraphCall, handlers: Handlers): GraphResult | Promise<GraphResult> {
  const handler = handlers[call.method.toUpperCase()];
  if (!handler) throw methodNotAllowed(call.method);
  return handler();
}

/** Graph accepts actions with or without the `microsoft.graph.` namespace prefix. */
const action = (segment: string | undefined): string | undefined => segment?.replace(/^microsoft\.graph\./, '');

const APP_ID_KEY = /^servicePrincipals\(appId='([^']+)'\)$/;
const APPLICATION_APP_ID_KEY = /^applications\(appId='([^']+)'\)$/;

/** Splits `applications(appId='…')/rest` and `applications/{id}/rest` into a reference and the rest. */
function applicationRoute(segments: readonly string[]): { ref: ApplicationRef; rest: string[] } | undefined {
  const [first, second, ...rest] = segments;
  const byAppId = first === undefined ? null : APPLICATION_APP_ID_KEY.exec(first);
  if (byAppId?.[1] !== undefined) {
    return { ref: { by: 'appId', value: byAppId[1] }, rest: second === undefined ? rest : [second, ...rest] };
  }
  if (first === 'applications' && second !== undefined) return { ref: { by: 'id', value: second }, rest };
  return undefined;
}

function routeAuditLogs(call: GraphCall, rest: readonly string[]): GraphResult | Promise<GraphResult> {
  const [log, id] = rest;
  const one = rest.length === 2 && id !== undefined;
  if (log?.toLowerCase() === 'directoryaudits' && rest.length <= 2) {
    return dispatch(call, { GET: () => (one ? getDirectoryAudit(call, id) : listDirectoryAudits(call)) });
  }
  if (log?.toLowerCase() === 'signins' && rest.length <= 2) {
    return dispatch(call, { GET: () => (one ? getSignIn(call, id) : listSignIns(call)) });
  }
  throw unknownSegment(log ?? 'auditLogs');
}

/**
 * Splits `servicePrincipals(appId='…')/rest` and `servicePrincipals/{id}/rest` into a reference and the rest.
 */
function servicePrincipalRoute(segments: readonly string[]): { ref: ServicePrincipalRef; rest: string[] } | undefined {
  const [first, second, ...rest] = segments;
  const byAppId = first === undefined ? null : APP_ID_KEY.exec(first);
  if (byAppId?.[1] !== undefined) {
    return { ref: { by: 'appId', value: byAppId[1] }, rest: second === undefined ? rest : [second, ...rest] };
  }
  if (first === 'servicePrincipals' && second !== undefined) return { ref: { by: 'id', value: second }, rest };
  return undefined;
}

/** Routes an authenticated request below /v1.0 to its handler. */
export function routeGraph(call: GraphCall): GraphResult | Promise<GraphResult> {
  const segments = call.segments;
  const [first, second, third, fourth] = segments;

  if (first === 'auditLogs') return routeAuditLogs(call, segments.slice(1));
  if (call.version === 'beta') {
    throw new GraphError(
      400,
      'BadRequest',
      `The Revoker Entra simulator serves only auditLogs on /beta; use /v1.0${call.path.split('?')[0] ?? ''}.`,
    );
  }

  if (first === 'applications' && segments.length === 1) {
    return dispatch(call, { GET: () => listApplications(call) });
  }
  const application = applicationRoute(segments);
  if (application) {
    const { ref, rest } = application;
    const [sub, id] = rest;
    if (sub === undefined) {
      return dispatch(call, { GET: () => getApplication(call, ref), PATCH: () => updateApplication(call, ref) });
    }
    if (rest.length === 1 && action(sub) === 'addPassword') {
      return dispatch(call, { POST: () => addApplicationPassword(call, ref) });
    }
    if (rest.length === 1 && action(sub) === 'removePassword') {
      return dispatch(call, { POST: () => removeApplicationPassword(call, ref) });
    }
    if (sub === 'federatedIdentityCredentials' && rest.length === 1) {
      return dispatch(call, {
        GET: () => listFederatedCredentials(call, ref),
        POST: () => addFederatedCredential(call, ref),
      });
    }
    if (sub === 'federatedIdentityCredentials' && id !== undefined && rest.length === 2) {
      return dispatch(call, {
        GET: () => getFederatedCredential(call, ref, id),
        DELETE: () => deleteFederatedCredential(call, ref, id),
      });
    }
    throw unknownSegment(sub);
  }

  if (first === 'me' && segments.length === 1) return dispatch(call, { GET: () => getMe(call) });

  if (first === 'users' && second !== undefined) {
    if (segments.length === 2) {
      return dispatch(call, { GET: () => getUser(call, second), PATCH: () => updateUser(call, second) });
    }
    if (segments.length === 3 && action(third) === 'revokeSignInSessions') {
      return dispatch(call, { POST: () => revokeSignInSessions(call, second) });
    }
    throw unknownSegment(third ?? second);
  }

  if (first === 'servicePrincipals' && segments.length === 1) {
    return dispatch(call, { GET: () => listServicePrincipals(call) });
  }

  const sp = servicePrincipalRoute(segments);
  if (sp) {
    const { ref, rest } = sp;
    const [sub, id] = rest;
    if (sub === undefined) {
      return dispatch(call, {
        GET: () => getServicePrincipal(call, ref),
        PATCH: () => updateServicePrincipal(call, ref),
      });
    }
    if (rest.length === 1 && action(sub) === 'removePassword') {
      return dispatch(call, { POST: () => removePasswordOf(call, ref) });
    }
    if (rest.length === 1 && action(sub) === 'addPassword')
      return dispatch(call, { POST: () => addPasswordOf(call, ref) });
    if (rest.length === 1 && action(sub) === 'removeKey') return dispatch(call, { POST: () => removeKeyOf(call, ref) });
    if (rest.length === 1 && sub === 'oauth2PermissionGrants') {
      return dispatch(call, { GET: () => listServicePrincipalGrants(call, ref) });
    }
    if (sub === 'appRoleAssignments' && rest.length === 1) {
      return dispatch(call, {
        GET: () => listAppRoleAssignments(call, ref),
        POST: () => createAppRoleAssignment(call, ref),
      });
    }
    if (sub === 'appRoleAssignments' && id !== undefined && rest.length === 2) {
      return dispatch(call, {
        GET: () => getAppRoleAssignment(call, ref, id),
        DELETE: () => deleteAppRoleAssignment(call, ref, id),
      });
    }
    throw unknownSegment(sub);
  }

  if (first === 'oauth2PermissionGrants') {
    if (segments.length === 1) return dispatch(call, { GET: () => listAllGrants(call), POST: () => createGrant(call) });
    if (second !== undefined && segments.length === 2) {
      return dispatch(call, { GET: () => getGrant(call, second), DELETE: () => deleteGrant(call, second) });
    }
  }
  throw unknownSegment(fourth ?? third ?? second ?? first ?? '');
}
