import { z } from 'zod';
import type {
  EntraApplicationSecretTarget,
  EntraFederatedCredentialTarget,
  EntraServicePrincipalTarget,
  EntraUserTarget,
} from '../domain/action.js';
import type { EntraServicePrincipalDiscovery, EntraUserDiscovery } from '../domain/discovery.js';
import type { EntraPrincipal } from '../domain/principal.js';
import type { CheckResult, StepOutcome } from '../domain/report.js';
import type { AccessCheck, ListedTarget } from '../domain/doctor.js';
import { GRAPH_APPLICATION_PERMISSIONS, type GraphPermission } from '../domain/permissions.js';
import {
  classifyActivities,
  InvalidRequestError,
  PermissionDeniedError,
  ProviderUnavailableError,
  TargetNotFoundError,
  ThrottledError,
} from './errors.js';
import { checkEach } from './limited.js';
import type { GraphClient } from './graph-client.js';
import { beforeChange } from './attempt.js';
import type { ProviderSweep, ProviderWatch, WatchRequest } from '../domain/sweep.js';
import { readEntraAudit, watchEntra, type AuditReading, type EntraSweepRequest } from './entra-audit.js';
import { AppRoleAssignment, Grant, readAppReach, readLastSignIn } from './entra-card.js';

export interface EntraActivityDeps {
  graph: GraphClient;
  /** The tenant the worker's credentials belong to: alerts about other tenants are refused. */
  tenantId: string;
  /** How the sweep and the watch page the audit and sign-in logs (tests shorten it). */
  auditReading?: AuditReading;
}

/**
 * Where each Entra tenant's calls go: a Graph client whose tokens are for that tenant alone. Every
 * activity asks for its target's own tenant, so no call can carry another tenant's token. The worker
 * builds this from the topology (worker/entra-clients.ts).
 */
export interface EntraTenants {
  /** The Graph client for `tenantId`; throws a non-retryable ProviderError for a tenant Revoker may not act in. */
  clients(tenantId: string): Promise<EntraActivityDeps>;
  /** Every tenant Revoker may act in: the topology's, or the credentials' own. */
  listed(): Promise<ListedTarget[]>;
}

/** Without a topology: the worker's credentials, for their own tenant only. */
export function singleTenant(deps: EntraActivityDeps): EntraTenants {
  return {
    listed: () => Promise.resolve([{ id: deps.tenantId }]),
    clients(tenant) {
      if (tenant.toLowerCase() !== deps.tenantId.toLowerCase()) {
        return Promise.reject(
          new InvalidRequestError(
            `The alert names Entra tenant ${tenant} but this worker's credentials belong to ${deps.tenantId}: list ${tenant} in a topology file (REVOKER_TOPOLOGY_FILE), or run a worker with credentials for ${tenant}.`,
          ),
        );
      }
      return Promise.resolve(deps);
    },
  };
}

export type EntraSessionRevocation = EntraUserTarget & { at: string };

// Clock skew between Entra and the worker that verification tolerates ("signInSessionsValidFromDateTime" is Entra's clock).
const CLOCK_SKEW_MS = 2 * 60_000;

const User = z.object({
  id: z.string(),
  userPrincipalName: z.string(),
  displayName: z.string().nullable().optional(),
  accountEnabled: z.boolean().nullable().optional(),
  signInSessionsValidFromDateTime: z.string().nullable().optional(),
});
const KeyId = z.object({ keyId: z.string() }).loose();
const ServicePrincipal = z.object({
  id: z.string(),
  appId: z.string(),
  displayName: z.string().nullable().optional(),
  appOwnerOrganizationId: z.string().nullable().optional(),
  signInAudience: z.string().nullable().optional(),
  accountEnabled: z.boolean().nullable().optional(),
  passwordCredentials: z.array(KeyId).default([]),
  keyCredentials: z.array(KeyId).default([]),
});
const NamedKey = z.object({ keyId: z.string(), displayName: z.string().nullable().optional() }).loose();
const Application = z.object({
  id: z.string(),
  appId: z.string(),
  displayName: z.string().nullable().optional(),
  passwordCredentials: z.array(NamedKey).default([]),
  keyCredentials: z.array(NamedKey).default([]),
});
const FederatedCredential = z
  .object({ id: z.string(), name: z.string(), issuer: z.string(), subject: z.string() })
  .loose();

const USER_FIELDS = '$select=id,userPrincipalName,displayName,accountEnabled,signInSessionsValidFromDateTime';
const SP_FIELDS =
  '$select=id,appId,displayName,appOwnerOrganizationId,signInAudience,accountEnabled,passwordCredentials,keyCredentials';
const APPLICATION_FIELDS = '$select=id,appId,displayName,passwordCredentials,keyCredentials';

/**
 * Entra ID containment through Microsoft Graph (v1.0 application permissions). Each step reads
 * first and changes only what differs; credentials live in the Graph client's TokenCredential.
 */
export function createEntraActivities(tenants: EntraTenants) {
  const ops = new WeakMap<GraphClient, ReturnType<typeof tenantOperations>>();
  /** The operations in the target's own tenant, with that tenant's Graph client. */
  async function inTenant(tenantId: string) {
    const { graph } = await tenants.clients(tenantId);
    let found = ops.get(graph);
    if (!found) ops.set(graph, (found = tenantOperations(graph)));
    return { graph, ...found };
  }

  async function setUserEnabled(target: EntraUserTarget, enabled: boolean): Promise<StepOutcome> {
    const t = await inTenant(target.tenantId);
    const { accountEnabled } = await t.user(target.userId);
    return t.setAccountEnabled(`/users/${target.userId}`, target.userPrincipalName, accountEnabled, enabled);
  }

  async function setServicePrincipalEnabled(
    target: EntraServicePrincipalTarget,
    enabled: boolean,
  ): Promise<StepOutcome> {
    const t = await inTenant(target.tenantId);
    const { accountEnabled } = await t.servicePrincipal(target.servicePrincipalId);
    const path = `/servicePrincipals/${target.servicePrincipalId}`;
    return t.setAccountEnabled(path, 'the service principal', accountEnabled, enabled);
  }

  const activities = {
    async discoverEntraPrincipal(
      principal: EntraPrincipal,
    ): Promise<EntraUserDiscovery | EntraServicePrincipalDiscovery> {
      const t = await inTenant(principal.tenantId);
      if (principal.type === 'entra.user') {
        // Side by side: Graph takes the object id or the UPN for both.
        const [found, { lastSignIn, unread }] = await Promise.all([
          t.user(principal.user),
          readLastSignIn(t.graph, principal.user),
        ]);
        return {
          type: 'entra.user',
          tenantId: principal.tenantId,
          userId: found.id,
          userPrincipalName: found.userPrincipalName,
          accountEnabled: found.accountEnabled !== false,
          ...(found.displayName ? { displayName: found.displayName } : {}),
          ...(lastSignIn ? { lastSignIn } : {}),
          ...(unread.length ? { unread } : {}),
        };
      }
      // Graph's alternate key addresses a service principal by its app's id.
      const path = principal.appId ? `/servicePrincipals(appId='${principal.appId}')` : undefined;
      const sp = path
        ? (await t.graph.get(`${path}?${SP_FIELDS}`, ServicePrincipal)).data
        : await t.servicePrincipal(principal.objectId ?? '');
      const [grantList, assignmentList] = await Promise.all([t.grants(sp.id), t.appRoleAssignments(sp.id)]);
      const { delegated, applicationPermissions, unread } = await readAppReach(t.graph, grantList, assignmentList);
      return {
        type: 'entra.servicePrincipal',
        tenantId: principal.tenantId,
        servicePrincipalId: sp.id,
        appId: sp.appId,
        displayName: sp.displayName ?? sp.appId,
        ...(sp.appOwnerOrganizationId ? { appOwnerTenantId: sp.appOwnerOrganizationId } : {}),
        accountEnabled: sp.accountEnabled !== false,
        passwordKeyIds: sp.passwordCredentials.map((c) => c.keyId),
        certificateKeyIds: sp.keyCredentials.map((c) => c.keyId),
        grantIds: grantList.map((g) => g.id),
        appRoleAssignmentIds: assignmentList.map((a) => a.id),
        ...(sp.signInAudience ? { signInAudience: sp.signInAudience } : {}),
        delegated,
        applicationPermissions,
        ...(unread.length ? { unread } : {}),
      };
    },

    /** `at` is the workflow's deterministic time: sessions valid from then on were already revoked by us or later. */
    async revokeEntraUserSessions(target: EntraSessionRevocation): Promise<StepOutcome> {
      const t = await inTenant(target.tenantId);
      const before = await t.user(target.userId);
      if (validFrom(before) >= Date.parse(target.at)) {
        return {
          outcome: 'already',
          observed: `sessions already valid only from ${before.signInSessionsValidFromDateTime}`,
        };
      }
      const observed = `sessions were valid from ${before.signInSessionsValidFromDateTime ?? 'account creation'}`;
      await beforeChange(observed);
      const { requestId } = await t.graph.change('POST', `/users/${target.userId}/revokeSignInSessions`);
      return { outcome: 'done', observed, requestId };
    },

    disableEntraUser(target: EntraUserTarget): Promise<StepOutcome> {
      return setUserEnabled(target, false);
    },

    enableEntraUser(target: EntraUserTarget): Promise<StepOutcome> {
      return setUserEnabled(target, true);
    },

    async removeEntraServicePrincipalCredentials(target: EntraServicePrincipalTarget): Promise<StepOutcome> {
      const t = await inTenant(target.tenantId);
      const sp = await t.servicePrincipal(target.servicePrincipalId);
      const secrets = sp.passwordCredentials.length;
      const certificates = sp.keyCredentials.length;
      if (!secrets && !certificates) return { outcome: 'already', observed: 'no secrets or certificates' };
      const observed = `${secrets} secret(s) and ${certificates} certificate(s)`;
      await beforeChange(observed);
      let requestId: string | undefined;
      for (const { keyId } of sp.passwordCredentials) {
        ({ requestId } = await t.graph.change('POST', `/servicePrincipals/${sp.id}/removePassword`, { keyId }));
      }
      // removeKey needs a proof signed by a valid certificate of the app, which we do not hold; the
      // documented alternative is to PATCH keyCredentials with the list to keep: none.
      if (certificates) {
        ({ requestId } = await t.graph.change('PATCH', `/servicePrincipals/${sp.id}`, { keyCredentials: [] }));
      }
      return { outcome: 'done', observed, requestId };
    },

    async deleteEntraConsentGrants(target: EntraServicePrincipalTarget): Promise<StepOutcome> {
      const t = await inTenant(target.tenantId);
      const id = target.servicePrincipalId;
      const [grantList, assignmentList] = await Promise.all([t.grants(id), t.appRoleAssignments(id)]);
      if (!grantList.length && !assignmentList.length) {
        return { outcome: 'already', observed: 'no consent grants or app role assignments' };
      }
      const observed = `${grantList.length} consent grant(s) and ${assignmentList.length} app role assignment(s)`;
      await beforeChange(observed);
      let requestId: string | undefined;
      for (const grant of grantList) {
        ({ requestId } = await gone(() => t.graph.change('DELETE', `/oauth2PermissionGrants/${grant.id}`)));
      }
      for (const assignment of assignmentList) {
        ({ requestId } = await gone(() =>
          t.graph.change('DELETE', `/servicePrincipals/${id}/appRoleAssignments/${assignment.id}`),
        ));
      }
      return { outcome: 'done', observed, requestId };
    },

    disableEntraServicePrincipal(target: EntraServicePrincipalTarget): Promise<StepOutcome> {
      return setServicePrincipalEnabled(target, false);
    },

    /**
     * Removes one federated identity credential from an application object (Application.ReadWrite.All): the one the
     * sweep found, by id, or one trusting the same issuer and subject (the same way in, re-created).
     */
    async removeEntraFederatedCredential(target: EntraFederatedCredentialTarget): Promise<StepOutcome> {
      const t = await inTenant(target.tenantId);
      const found = matchingFederated(await t.federatedCredentials(target.applicationId), target);
      if (!found.length) {
        return { outcome: 'already', observed: `no federated credential "${target.name}" on the application` };
      }
      const observed = found.map((f) => `federated credential "${f.name}" (${f.issuer}, ${f.subject})`).join('; ');
      await beforeChange(observed);
      let requestId: string | undefined;
      for (const credential of found) {
        ({ requestId } = await gone(() =>
          t.graph.change(
            'DELETE',
            `/applications/${target.applicationId}/federatedIdentityCredentials/${encodeURIComponent(credential.id)}`,
          ),
        ));
      }
      return { outcome: 'done', observed, requestId };
    },

    /**
     * Removes one secret or certificate from an application object: removePassword for a secret; for a certificate,
     * a PATCH of keyCredentials with the others (removeKey needs a proof signed by one of the app's own
     * certificates, which Revoker does not hold).
     */
    async removeEntraApplicationSecret(target: EntraApplicationSecretTarget): Promise<StepOutcome> {
      const t = await inTenant(target.tenantId);
      const app = await t.application(target.applicationId);
      const keyId = target.keyId.toLowerCase();
      const secret = app.passwordCredentials.find((p) => p.keyId.toLowerCase() === keyId);
      const certificate = app.keyCredentials.find((k) => k.keyId.toLowerCase() === keyId);
      if (!secret && !certificate) {
        return { outcome: 'already', observed: `the application has no credential ${target.keyId}` };
      }
      const observed = `${secret ? 'secret' : 'certificate'} "${(secret ?? certificate)?.displayName ?? ''}" (${target.keyId}) of ${app.passwordCredentials.length} secret(s) and ${app.keyCredentials.length} certificate(s)`;
      await beforeChange(observed);
      const path = `/applications/${target.applicationId}`;
      const { requestId } = secret
        ? await t.graph.change('POST', `${path}/removePassword`, { keyId: secret.keyId })
        : await t.graph.change('PATCH', path, {
            keyCredentials: app.keyCredentials.filter((k) => k.keyId.toLowerCase() !== keyId),
          });
      return { outcome: 'done', observed, requestId };
    },

    enableEntraServicePrincipal(target: EntraServicePrincipalTarget): Promise<StepOutcome> {
      return setServicePrincipalEnabled(target, true);
    },

    async verifyEntraUserSessionsRevoked(target: EntraSessionRevocation): Promise<CheckResult> {
      const t = await inTenant(target.tenantId);
      const found = await t.user(target.userId);
      return {
        ok: validFrom(found) >= Date.parse(target.at) - CLOCK_SKEW_MS,
        evidence: `signInSessionsValidFromDateTime of ${target.userPrincipalName} is ${found.signInSessionsValidFromDateTime ?? 'unset'}`,
      };
    },

    async verifyEntraUserDisabled(target: EntraUserTarget): Promise<CheckResult> {
      const t = await inTenant(target.tenantId);
      return accountCheck(target.userPrincipalName, (await t.user(target.userId)).accountEnabled, false);
    },

    async verifyEntraUserEnabled(target: EntraUserTarget): Promise<CheckResult> {
      const t = await inTenant(target.tenantId);
      return accountCheck(target.userPrincipalName, (await t.user(target.userId)).accountEnabled, true);
    },

    async verifyEntraServicePrincipalCredentialsRemoved(target: EntraServicePrincipalTarget): Promise<CheckResult> {
      const t = await inTenant(target.tenantId);
      const sp = await t.servicePrincipal(target.servicePrincipalId);
      const left = sp.passwordCredentials.length + sp.keyCredentials.length;
      return {
        ok: left === 0,
        evidence: `the service principal lists ${sp.passwordCredentials.length} secret(s) and ${sp.keyCredentials.length} certificate(s)`,
      };
    },

    async verifyEntraConsentGrantsDeleted(target: EntraServicePrincipalTarget): Promise<CheckResult> {
      const t = await inTenant(target.tenantId);
      const [grantList, assignmentList] = await Promise.all([
        t.grants(target.servicePrincipalId),
        t.appRoleAssignments(target.servicePrincipalId),
      ]);
      return {
        ok: grantList.length + assignmentList.length === 0,
        evidence: `${grantList.length} consent grant(s) and ${assignmentList.length} app role assignment(s) remain`,
      };
    },

    async verifyEntraFederatedCredentialRemoved(target: EntraFederatedCredentialTarget): Promise<CheckResult> {
      const t = await inTenant(target.tenantId);
      const left = matchingFederated(await t.federatedCredentials(target.applicationId), target);
      return {
        ok: left.length === 0,
        evidence: left.length
          ? `the application still trusts ${left.map((f) => `"${f.name}" (${f.issuer}, ${f.subject})`).join(', ')}`
          : `no federated credential of the application trusts ${target.issuer} for ${target.subject}`,
      };
    },

    async verifyEntraApplicationSecretRemoved(target: EntraApplicationSecretTarget): Promise<CheckResult> {
      const t = await inTenant(target.tenantId);
      const app = await t.application(target.applicationId);
      const keyId = target.keyId.toLowerCase();
      const left = [...app.passwordCredentials, ...app.keyCredentials].some((k) => k.keyId.toLowerCase() === keyId);
      return {
        ok: !left,
        evidence: `the application lists ${app.passwordCredentials.length} secret(s) and ${app.keyCredentials.length} certificate(s)${left ? `, ${target.keyId} among them` : `, not ${target.keyId}`}`,
      };
    },

    async verifyEntraServicePrincipalDisabled(target: EntraServicePrincipalTarget): Promise<CheckResult> {
      const t = await inTenant(target.tenantId);
      const sp = await t.servicePrincipal(target.servicePrincipalId);
      return accountCheck('the service principal', sp.accountEnabled, false);
    },

    async verifyEntraServicePrincipalEnabled(target: EntraServicePrincipalTarget): Promise<CheckResult> {
      const t = await inTenant(target.tenantId);
      const sp = await t.servicePrincipal(target.servicePrincipalId);
      return accountCheck('the service principal', sp.accountEnabled, true);
    },

    /**
     * The sweep of one tenant: what the incident's apps and users changed and signed in to there, read from Entra's
     * directory audit and sign-in logs, and what of it persists (activities/entra-audit.ts). Reads only:
     * AuditLog.Read.All, plus Application.Read.All to name a finding's app.
     */
    async sweepEntraTenant(request: EntraSweepRequest): Promise<ProviderSweep> {
      const { graph, auditReading } = await tenants.clients(request.tenantId);
      return readEntraAudit(graph, request, auditReading);
    },

    /** The watch of one tenant: the contained apps', users' and credentials' sign-ins and changes since the cut-off. */
    async watchEntraTenant(request: WatchRequest): Promise<ProviderWatch> {
      const { graph, auditReading } = await tenants.clients(request.scope);
      return watchEntra(graph, request, auditReading);
    },

    /** `revoker doctor`: every listed tenant, a token got as Revoker would, its granted permissions compared. */
    async checkEntraAccess(): Promise<AccessCheck[]> {
      return checkEach(
        'entra',
        await tenants.listed(),
        () => undefined,
        async (id) => {
          const { graph } = await tenants.clients(id);
          const { roles, identity } = await graph.grantedRoles();
          // A read-only call: the token is not only issued but accepted by Graph in this tenant.
          await graph.get('/servicePrincipals?$top=1&$select=id', z.object({}).passthrough());
          const missing = (Object.keys(GRAPH_APPLICATION_PERMISSIONS) as GraphPermission[])
            .filter((permission) => !roles.includes(permission))
            .map((permission) => `${permission}: ${GRAPH_APPLICATION_PERMISSIONS[permission]}`);
          const unchecked: string[] = [];
          // Consent alone does not prove the logs can be read (sign-in logs need an Entra ID P1 licence): read one
          // record of each, as the sweep reads them.
          if (roles.includes('AuditLog.Read.All')) {
            for (const [log, url] of [
              ['directory audit log', '/auditLogs/directoryAudits?$top=1'],
              [
                'sign-in log',
                `${graph.betaUrl}/auditLogs/signIns?$top=1&$filter=${encodeURIComponent("signInEventTypes/any(t: t eq 'servicePrincipal')")}`,
              ],
            ] as const) {
              try {
                await graph.get(url, z.object({ value: z.array(z.unknown()) }).loose());
              } catch (error) {
                if (error instanceof PermissionDeniedError) {
                  missing.push(
                    `AuditLog.Read.All: ${GRAPH_APPLICATION_PERMISSIONS['AuditLog.Read.All']} — granted, but Graph refused to read the ${log} (${error.message.split('. Grant')[0] ?? ''})`,
                  );
                } else if (error instanceof ThrottledError || error instanceof ProviderUnavailableError) {
                  unchecked.push(`AuditLog.Read.All (${log}: ${error.message})`);
                } else {
                  throw error;
                }
              }
            }
          }
          return { identity, missing, unchecked };
        },
      );
    },
  };
  return classifyActivities(activities, () => undefined);
}

/** What the activities do in one tenant, with that tenant's Graph client. */
function tenantOperations(graph: GraphClient) {
  const user = async (id: string) => (await graph.get(`/users/${encodeURIComponent(id)}?${USER_FIELDS}`, User)).data;
  const servicePrincipal = async (id: string) =>
    (await graph.get(`/servicePrincipals/${encodeURIComponent(id)}?${SP_FIELDS}`, ServicePrincipal)).data;
  const grants = (spId: string) => graph.list(`/servicePrincipals/${spId}/oauth2PermissionGrants`, Grant);
  const appRoleAssignments = (spId: string) =>
    graph.list(`/servicePrincipals/${spId}/appRoleAssignments`, AppRoleAssignment);
  const application = async (id: string) =>
    (await graph.get(`/applications/${encodeURIComponent(id)}?${APPLICATION_FIELDS}`, Application)).data;
  const federatedCredentials = (applicationId: string) =>
    graph.list(`/applications/${encodeURIComponent(applicationId)}/federatedIdentityCredentials`, FederatedCredential);

  /** PATCHes accountEnabled of a user or service principal (`path`) unless it already has the wanted value. */
  async function setAccountEnabled(
    path: string,
    label: string,
    current: boolean | null | undefined,
    enabled: boolean,
  ): Promise<StepOutcome> {
    if (current === enabled) return { outcome: 'already', observed: `${label} was already ${enabledWord(enabled)}` };
    const observed = `${label} was ${enabledWord(!enabled)}`;
    await beforeChange(observed);
    const { requestId } = await graph.change('PATCH', path, { accountEnabled: enabled });
    return { outcome: 'done', observed, requestId };
  }

  return { user, servicePrincipal, grants, appRoleAssignments, application, federatedCredentials, setAccountEnabled };
}

/** The credential the step names (by id), and any other trusting the same issuer for the same subject. */
function matchingFederated(
  list: z.infer<typeof FederatedCredential>[],
  target: EntraFederatedCredentialTarget,
): z.infer<typeof FederatedCredential>[] {
  return list.filter(
    (f) =>
      f.id.toLowerCase() === target.credentialId.toLowerCase() ||
      (f.issuer === target.issuer && f.subject === target.subject),
  );
}

const validFrom = (u: z.infer<typeof User>) => Date.parse(u.signInSessionsValidFromDateTime ?? '') || 0;

const enabledWord = (enabled: boolean) => (enabled ? 'enabled' : 'disabled');

/** Strict both ways: an unset accountEnabled proves neither state. */
function accountCheck(label: string, accountEnabled: boolean | null | undefined, enabled: boolean): CheckResult {
  return { ok: accountEnabled === enabled, evidence: `accountEnabled of ${label} is ${String(accountEnabled)}` };
}

/** A delete that finds the object already gone has done its job (a retry after a lost reply). */
async function gone(call: () => Promise<{ requestId?: string }>): Promise<{ requestId?: string }> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof TargetNotFoundError) return {};
    throw error;
  }
}

export type EntraActivities = ReturnType<typeof createEntraActivities>;
