import {
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  EnvironmentCredential,
  type TokenCredential,
} from '@azure/identity';
import { singleTenant, type EntraActivityDeps, type EntraTenants } from '../activities/entra.js';
import { InvalidRequestError } from '../activities/errors.js';
import { createGraphClient, GRAPH_ENDPOINT } from '../activities/graph-client.js';
import { notInTopology, type TopologyFile } from '../connect/topology-file.js';
import type { EntraTenant } from '../domain/topology.js';

export interface EntraClientOptions {
  tenantId: string;
  /** An Entra authority other than login.microsoftonline.com (the sandbox simulator, a national cloud). */
  authorityHost?: string;
  graphEndpoint?: string;
  /** Each Graph call's limit (REVOKER_GRAPH_REQUEST_TIMEOUT_MS); the Graph client's default (30 s) otherwise. */
  requestTimeoutMs?: number;
}

/**
 * The Graph client and its credential from the worker's environment: client credentials in
 * AZURE_CLIENT_ID + AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH) when set, else
 * DefaultAzureCredential (managed identity, workload identity). Never from workflow input.
 */
export function createEntraClients(options: EntraClientOptions, env = process.env): EntraActivityDeps {
  const authority = options.authorityHost
    ? // A non-Microsoft authority cannot be validated against Microsoft's instance discovery.
      { authorityHost: options.authorityHost, disableInstanceDiscovery: true }
    : {};
  const explicit = Boolean(env.AZURE_CLIENT_SECRET || env.AZURE_CLIENT_CERTIFICATE_PATH);
  const credential: TokenCredential = explicit
    ? new EnvironmentCredential(authority)
    : new DefaultAzureCredential({ tenantId: options.tenantId, ...authority });
  return {
    tenantId: options.tenantId,
    graph: createGraphClient({
      credential,
      baseUrl: options.graphEndpoint ?? GRAPH_ENDPOINT,
      requestTimeoutMs: options.requestTimeoutMs,
    }),
  };
}

/**
 * The Entra tenants this worker may act in, each with a Graph client whose tokens are for that
 * tenant alone: the worker's own app (AZURE_CLIENT_ID with its secret or certificate: a multi-tenant
 * app an administrator consented in each tenant), or a tenant's own app registration named in the
 * topology. Clients are made on first use; a tenant not listed is refused with the line to add. A
 * credential the topology names but the environment lacks stops the worker at start.
 */
export function createEntraTenants(
  options: EntraClientOptions & { topology?: TopologyFile | undefined },
  env = process.env,
): EntraTenants {
  const file = options.topology;
  const tenants = file?.topology.entra?.tenants;
  if (!file || !tenants) return singleTenant(createEntraClients(options, env));
  const authority = options.authorityHost
    ? { authorityHost: options.authorityHost, disableInstanceDiscovery: true }
    : {};
  const credentialFor = (tenant: EntraTenant): TokenCredential => {
    const where = `${file.path} line ${file.lineOf('entra', tenant.id) ?? '?'}`;
    const own = tenant.credential;
    if (own?.clientSecretEnv) {
      const secret = env[own.clientSecretEnv];
      if (!secret) {
        throw new Error(
          `Entra tenant ${tenant.id} (${where}) takes its client secret from ${own.clientSecretEnv}, which is not set`,
        );
      }
      return new ClientSecretCredential(tenant.id, own.clientId, secret, authority);
    }
    if (own?.certificatePath) {
      return new ClientCertificateCredential(
        tenant.id,
        own.clientId,
        { certificatePath: own.certificatePath },
        authority,
      );
    }
    // The worker's own app, for this tenant: a multi-tenant app gets a token for any tenant that consented to it.
    if (env.AZURE_CLIENT_ID && env.AZURE_CLIENT_SECRET) {
      return new ClientSecretCredential(tenant.id, env.AZURE_CLIENT_ID, env.AZURE_CLIENT_SECRET, authority);
    }
    if (env.AZURE_CLIENT_ID && env.AZURE_CLIENT_CERTIFICATE_PATH) {
      return new ClientCertificateCredential(
        tenant.id,
        env.AZURE_CLIENT_ID,
        { certificatePath: env.AZURE_CLIENT_CERTIFICATE_PATH },
        authority,
      );
    }
    return new DefaultAzureCredential({ tenantId: tenant.id, ...authority });
  };
  // Every named credential is checked now: a missing secret is found at start, not in the middle of an incident.
  const credentials = new Map(tenants.map((tenant) => [tenant.id.toLowerCase(), credentialFor(tenant)]));
  const clients = new Map<string, EntraActivityDeps>();
  return {
    listed: () => Promise.resolve(tenants.map(({ id, name }) => ({ id, name }))),
    clients(tenantId) {
      const key = tenantId.toLowerCase();
      const credential = credentials.get(key);
      if (!credential) return Promise.reject(new InvalidRequestError(notInTopology(file, 'entra', tenantId)));
      let deps = clients.get(key);
      if (!deps) {
        deps = {
          tenantId: key,
          graph: createGraphClient({
            credential,
            baseUrl: options.graphEndpoint ?? GRAPH_ENDPOINT,
            requestTimeoutMs: options.requestTimeoutMs,
          }),
        };
        clients.set(key, deps);
      }
      return Promise.resolve(deps);
    },
  };
}
