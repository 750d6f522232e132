import { createAdaptorServer } from '@hono/node-server';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { fileURLToPath } from 'node:url';
import { closeServer, listen } from '../shared/serve.js';
import { createApp } from './app.js';
import { EntraEngine } from './engine.js';
import type { EntraFault } from './faults.js';
import type { MutationSummary } from './mutations.js';
import { defaultSandboxCaDir, ensureSandboxCa } from './sandbox-ca.js';
import { loadEntraSeed, type EntraSeed } from './seed.js';
import type { DirectoryAuditRecord, SignInRecord } from './audit-records.js';
import { findApplication, findServicePrincipal, findUser, graphServicePrincipal } from './state.js';
import { faultModesSchema, type FaultModes, type FaultModesInput } from '../shared/fault-modes.js';

export const DEFAULT_SEED_PATH = fileURLToPath(new URL('./fixtures/sandbox.json', import.meta.url));
/** A second tenant (fabrikam) in which the sandbox's multi-tenant revoker-responder app is consented. */
export const SECOND_TENANT_SEED_PATH = fileURLToPath(new URL('./fixtures/fabrikam.json', import.meta.url));

export interface EntraSimulatorOptions {
  /** Interface to listen on; default 127.0.0.1. URLs always say `localhost`, the name the certificate carries. */
  host?: string;
  /** 0 (default) picks an ephemeral port. */
  port?: number;
  /** Default: fixtures/sandbox.json. */
  seed?: EntraSeed;
  /** More tenants on the same endpoint (e.g. loadEntraSeed(SECOND_TENANT_SEED_PATH)); default none. */
  tenants?: EntraSeed[];
  /** Load state from here if it exists, and rewrite it atomically (mode 0600) after every change. */
  stateFile?: string;
  /**
   * Server certificate and key (PEM). Default: ensureSandboxCa(REVOKER_SANDBOX_CA_DIR ?? <repo>/.revoker/sandbox-ca);
   * clients must trust that CA via NODE_EXTRA_CA_CERTS set before they start.
   */
  tls?: { certPath: string; keyPath: string };
  /** Simulated clock for token lifetimes, credential expiry and session revocation; default wall clock. */
  now?: () => Date;
  /** The audit and sign-in logs show a record this long after it happened; default 0. */
  logDelayMs?: number;
}

export interface EntraSimulator {
  /** https://localhost:PORT — give to @azure/identity as `authorityHost` (with `disableInstanceDiscovery: true`). */
  readonly authorityHost: string;
  /** https://localhost:PORT/v1.0 — Microsoft Graph v1.0. */
  readonly graphEndpoint: string;
  /** The primary tenant's id. */
  readonly tenantId: string;
  /** Every tenant served, the primary one first. */
  readonly tenantIds: string[];
  close(): Promise<void>;
  reset(seed?: EntraSeed): void;
  /** One tenant's writes and token requests; default the primary tenant. */
  mutations(tenantId?: string): MutationSummary;
  injectFault(fault: EntraFault): void;
  clearFaults(): void;
  /** Eventual consistency and the probabilistic mode (simulators/shared/fault-modes.ts); clearFaults ends them. */
  setFaultModes(modes: FaultModesInput): void;
  /** The modes in force and the faults the random mode has drawn, by kind. */
  faultModes(): ReturnType<FaultModes['describe']>;
  user(idOrUpn: string):
    | {
        id: string;
        userPrincipalName: string;
        displayName: string;
        accountEnabled: boolean;
        signInSessionsValidFromDateTime: string;
      }
    | undefined;
  servicePrincipal(idOrAppId: string):
    | {
        id: string;
        appId: string;
        displayName: string;
        accountEnabled: boolean;
        passwordKeyIds: string[];
        certificateKeyIds: string[];
      }
    | undefined;
  /** Delegated consents where the SP is the client. */
  grants(servicePrincipalId: string): { id: string; scope: string; consentType: string; principalId: string | null }[];
  /** Application permissions granted to the SP; `appRole` is the role's value when the resource is Microsoft Graph. */
  appRoleAssignments(
    servicePrincipalId: string,
  ): { id: string; appRoleId: string; appRole?: string; resourceId: string }[];
  /** An application object homed in the primary tenant (no secrets). */
  application(idOrAppId: string):
    | {
        id: string;
        appId: string;
        displayName: string;
        passwordKeyIds: string[];
        certificateKeyIds: string[];
        federatedIdentityCredentials: { id: string; name: string; issuer: string; subject: string }[];
      }
    | undefined;
  /** Everything a tenant's audit log holds, oldest first, delivered or not (default the primary tenant). */
  directoryAudits(tenantId?: string): DirectoryAuditRecord[];
  /** Everything a tenant's sign-in log holds, oldest first (default the primary tenant). */
  signIns(tenantId?: string): SignInRecord[];
  /** How long after a change the audit and sign-in logs show it (Entra: a few minutes). */
  setLogDelay(ms: number): void;
}

export async function startEntraSimulator(options: EntraSimulatorOptions = {}): Promise<EntraSimulator> {
  const host = options.host ?? '127.0.0.1';
  const tls = options.tls ?? (await ensureSandboxCa(defaultSandboxCaDir()));
  const engine = new EntraEngine({
    seed: options.seed ?? loadEntraSeed(DEFAULT_SEED_PATH),
    ...(options.tenants === undefined ? {} : { tenants: options.tenants }),
    ...(options.stateFile === undefined ? {} : { stateFile: options.stateFile }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  engine.logDelayMs = options.logDelayMs ?? 0;
  const server = createAdaptorServer({
    fetch: createApp(engine).fetch,
    hostname: host,
    createServer,
    serverOptions: { cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) },
  }) as Server;
  const port = await listen(server, host, options.port ?? 0);
  const authorityHost = `https://localhost:${port}`;

  return {
    authorityHost,
    graphEndpoint: `${authorityHost}/v1.0`,
    get tenantId() {
      return engine.state.tenant.id;
    },
    get tenantIds() {
      return engine.tenantIds;
    },
    close: () => closeServer(server, () => engine.persist()),
    reset: (seed) => engine.reset(seed),
    mutations: (tenantId) => engine.mutations.summary(tenantId?.toLowerCase()),
    injectFault: (fault) => engine.faults.inject(fault),
    clearFaults: () => engine.faults.clear(),
    setFaultModes: (modes) => engine.faults.modes.set(faultModesSchema.parse(modes)),
    faultModes: () => engine.faults.modes.describe(),
    user: (idOrUpn) => {
      const user = findUser(engine.state, idOrUpn);
      return (
        user && {
          id: user.id,
          userPrincipalName: user.userPrincipalName,
          displayName: user.displayName,
          accountEnabled: user.accountEnabled,
          signInSessionsValidFromDateTime: user.signInSessionsValidFromDateTime,
        }
      );
    },
    servicePrincipal: (idOrAppId) => {
      const sp = findServicePrincipal(engine.state, idOrAppId);
      return (
        sp && {
          id: sp.id,
          appId: sp.appId,
          displayName: sp.displayName,
          accountEnabled: sp.accountEnabled,
          passwordKeyIds: sp.passwordCredentials.map((p) => p.keyId),
          certificateKeyIds: sp.keyCredentials.map((k) => k.keyId),
        }
      );
    },
    application: (idOrAppId) => {
      const app = findApplication(engine.state, idOrAppId);
      return (
        app && {
          id: app.id,
          appId: app.appId,
          displayName: app.displayName,
          passwordKeyIds: app.passwordCredentials.map((p) => p.keyId),
          certificateKeyIds: app.keyCredentials.map((k) => k.keyId),
          federatedIdentityCredentials: app.federatedIdentityCredentials.map((f) => ({
            id: f.id,
            name: f.name,
            issuer: f.issuer,
            subject: f.subject,
          })),
        }
      );
    },
    directoryAudits: (tenantId) =>
      structuredClone((engine.tenantState(tenantId ?? engine.primaryTenantId) ?? engine.state).directoryAudits),
    signIns: (tenantId) =>
      structuredClone((engine.tenantState(tenantId ?? engine.primaryTenantId) ?? engine.state).signIns),
    setLogDelay: (ms) => {
      engine.logDelayMs = ms;
    },
    grants: (servicePrincipalId) =>
      [...engine.state.grants.values()]
        .filter((g) => g.clientId === servicePrincipalId.toLowerCase())
        .map((g) => ({ id: g.id, scope: g.scope, consentType: g.consentType, principalId: g.principalId })),
    appRoleAssignments: (servicePrincipalId) => {
      const graph = graphServicePrincipal(engine.state);
      return [...engine.state.appRoleAssignments.values()]
        .filter((a) => a.principalId === servicePrincipalId.toLowerCase())
        .map((a) => {
          const role = a.resourceId === graph?.id ? graph.appRoles.find((r) => r.id === a.appRoleId)?.value : undefined;
          return {
            id: a.id,
            appRoleId: a.appRoleId,
            resourceId: a.resourceId,
            ...(role === undefined ? {} : { appRole: role }),
          };
        });
    },
  };
}
