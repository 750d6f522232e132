import { DefaultAzureCredential, EnvironmentCredential, type TokenCredential } from '@azure/identity';
import type { EntraActivityDeps } from '../activities/entra.js';
import { createGraphClient, GRAPH_ENDPOINT } from '../activities/graph-client.js';

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
