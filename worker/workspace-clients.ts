import { admin, auth } from '@googleapis/admin';
import { existsSync } from 'node:fs';
import { InvalidRequestError } from '../activities/errors.js';
import type { WorkspaceActivityDeps, WorkspaceDomains } from '../activities/workspace.js';
import { notInTopology, type TopologyFile } from '../connect/topology-file.js';

/** The two Directory API scopes the delegated service account needs, and no more (docs/deploy.md, "Google Workspace"). */
export const WORKSPACE_SCOPES = [
  'https://www.googleapis.com/auth/admin.directory.user',
  'https://www.googleapis.com/auth/admin.directory.user.security',
];
/** Where google-auth-library exchanges a delegated service account's signed JWT for an access token. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export interface WorkspaceClientOptions {
  /** The Admin SDK root (the sandbox simulator); real Google needs none. */
  rootUrl?: string;
  /** Google's token endpoint in the sandbox (REVOKER_GOOGLE_TOKEN_URL); real Google needs none. */
  tokenUrl?: string;
  /** Each call's limit; a hung call fails retryably after it. */
  requestTimeoutMs?: number;
}

export const DEFAULT_WORKSPACE_REQUEST_TIMEOUT_MS = 30_000;

/**
 * A Directory API client acting as `adminEmail` through domain-wide delegation: the service account in
 * `keyFile` signs a JWT naming the admin as its subject, and Google's token endpoint answers with a token for
 * the two scopes. In the sandbox, that endpoint is the simulator's (the only thing changed).
 */
export function createWorkspaceClient(
  keyFile: string,
  adminEmail: string,
  { rootUrl, tokenUrl, requestTimeoutMs = DEFAULT_WORKSPACE_REQUEST_TIMEOUT_MS }: WorkspaceClientOptions = {},
): WorkspaceActivityDeps {
  const jwt = new auth.JWT({ keyFile, subject: adminEmail, scopes: WORKSPACE_SCOPES });
  if (tokenUrl) {
    jwt.transporter.interceptors.request.add({
      resolved: (config) => {
        if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(tokenUrl);
        return Promise.resolve(config);
      },
    });
  }
  return {
    admin: adminEmail,
    // googleapis-common retries by itself unless told not to: Temporal's retry policy is the one owner of retries.
    directory: admin({
      version: 'directory_v1',
      auth: jwt,
      retry: false,
      timeout: requestTimeoutMs,
      ...(rootUrl ? { rootUrl } : {}),
    }),
  };
}

export interface WorkspaceDomainsOptions extends WorkspaceClientOptions {
  topology?: TopologyFile | undefined;
  /** Without a topology: the administrator to act as (REVOKER_WORKSPACE_ADMIN); its domain is the one served. */
  adminEmail?: string | undefined;
  /** Without a topology, or where it names none: the delegated service account's key file. */
  keyFile?: string | undefined;
}

/**
 * The Workspace domains this worker may act in, each with a client acting as its administrator. Without a
 * topology, the one domain of REVOKER_WORKSPACE_ADMIN; with one, every listed domain. A key file the topology
 * names but the disk lacks stops the worker at start. Clients are made on first use.
 */
export function createWorkspaceDomains(options: WorkspaceDomainsOptions): WorkspaceDomains {
  const file = options.topology;
  const section = file?.topology.workspace;
  const entries = section
    ? section.domains.map((d) => ({
        id: d.id,
        name: d.name,
        admin: d.admin ?? section.admin ?? '',
        keyFile: d.credentialsFile ?? section.credentialsFile ?? options.keyFile,
        where: `${file.path} line ${file.lineOf('workspace', d.id) ?? '?'}`,
      }))
    : options.adminEmail
      ? [
          {
            id: (options.adminEmail.split('@')[1] ?? '').toLowerCase(),
            name: undefined,
            admin: options.adminEmail,
            keyFile: options.keyFile,
            where: 'REVOKER_WORKSPACE_ADMIN',
          },
        ]
      : [];
  for (const entry of entries) {
    if (!entry.keyFile) {
      throw new Error(
        `Google Workspace domain ${entry.id} (${entry.where}) has no key file for the delegated service account: set credentialsFile, or GOOGLE_APPLICATION_CREDENTIALS`,
      );
    }
    if (!existsSync(entry.keyFile)) {
      throw new Error(
        `Google Workspace domain ${entry.id} (${entry.where}) names key file ${entry.keyFile}, which does not exist`,
      );
    }
  }
  const clients = new Map<string, WorkspaceActivityDeps>();
  return {
    listed: () => Promise.resolve(entries.map(({ id, name }) => ({ id, ...(name ? { name } : {}) }))),
    clients(domain) {
      const wanted = domain.toLowerCase();
      const entry = entries.find((e) => e.id === wanted);
      if (!entry) {
        return Promise.reject(
          new InvalidRequestError(
            file
              ? notInTopology(file, 'workspace', wanted)
              : `Google Workspace domain ${wanted} is not served by this worker: set REVOKER_WORKSPACE_ADMIN to an administrator of ${wanted}, or list it in a topology file (REVOKER_TOPOLOGY_FILE).`,
          ),
        );
      }
      let deps = clients.get(wanted);
      if (!deps) {
        deps = createWorkspaceClient(entry.keyFile ?? '', entry.admin, options);
        clients.set(wanted, deps);
      }
      return Promise.resolve(deps);
    },
  };
}
