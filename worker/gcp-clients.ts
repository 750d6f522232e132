import { auth, iam } from '@googleapis/iam';
import { logging } from '@googleapis/logging';
import { cloudresourcemanager } from '@googleapis/cloudresourcemanager';
import { existsSync } from 'node:fs';
import { InvalidRequestError } from '../activities/errors.js';
import { anyProject, type GcpActivityDeps, type GcpProjects } from '../activities/gcp.js';
import { notInTopology, type TopologyFile } from '../connect/topology-file.js';

export interface GcpClientOptions {
  /** The IAM API root (the sandbox simulator); real Google needs none. */
  rootUrl?: string;
  /** Cloud Logging's root; default `rootUrl` (the sandbox simulator serves both), else Google's. */
  loggingRootUrl?: string;
  /** Resource Manager's root; default `rootUrl` (the sandbox simulator serves it too), else Google's. */
  resourceManagerRootUrl?: string;
  /** Each call's limit (REVOKER_GCP_REQUEST_TIMEOUT_MS); a hung call fails retryably after it. */
  requestTimeoutMs?: number;
  /** A service-account key file for this client alone (a project's own credentials); default: ADC. */
  keyFile?: string;
}

/** Longer than any IAM call should take, well under the activity's start-to-close timeout. */
export const DEFAULT_GCP_REQUEST_TIMEOUT_MS = 30_000;

/**
 * An IAM v1 client and a Cloud Logging v2 client with Application Default Credentials from the worker's environment
 * (GOOGLE_APPLICATION_CREDENTIALS key file, or the metadata server on GCE/GKE/Cloud Run).
 */
export function createGcpClients({
  rootUrl,
  loggingRootUrl = rootUrl,
  resourceManagerRootUrl = rootUrl,
  requestTimeoutMs = DEFAULT_GCP_REQUEST_TIMEOUT_MS,
  keyFile,
}: GcpClientOptions = {}): GcpActivityDeps {
  const googleAuth = new auth.GoogleAuth({
    scopes: ['https://www.googleapis.com/auth/cloud-platform'],
    ...(keyFile ? { keyFile } : {}),
  });
  // A key file then signs its own JWT access tokens instead of exchanging them at Google's token
  // endpoint. It is a property, not a constructor option: GoogleAuth copies it onto the JWT client.
  googleAuth.useJWTAccessWithScope = true;
  // googleapis-common sets retry: true, and gaxios would retry GETs/DELETEs itself, ignoring
  // Retry-After; Temporal's retry policy is the one owner of retries.
  // gaxios aborts a request after `timeout` ms: a hung call fails in bounded time.
  return {
    iam: iam({
      version: 'v1',
      auth: googleAuth,
      retry: false,
      timeout: requestTimeoutMs,
      ...(rootUrl ? { rootUrl } : {}),
    }),
    // The sweep's and the watch's audit log reads, with the same credentials and the same rules: no retries of
    // its own (activities/gcp-audit.ts waits out Cloud Logging's quota), a bounded wait.
    logging: logging({
      version: 'v2',
      auth: googleAuth,
      retry: false,
      timeout: requestTimeoutMs,
      ...(loggingRootUrl ? { rootUrl: loggingRootUrl } : {}),
    }),
    // The triage card's read of the project's roles (activities/gcp-card.ts), by the same rules.
    resourceManager: cloudresourcemanager({
      version: 'v3',
      auth: googleAuth,
      retry: false,
      timeout: requestTimeoutMs,
      ...(resourceManagerRootUrl ? { rootUrl: resourceManagerRootUrl } : {}),
    }),
    // The key file's client_email; on GCE/GKE/Cloud Run the metadata server's default account.
    identity: async () => (await googleAuth.getCredentials()).client_email,
  };
}

/**
 * The Google Cloud projects this worker may act in. One client with Application Default
 * Credentials serves every project whose access comes from a grant at the organisation or a folder
 * (or on the project); a project with its own `credentialsFile` gets a client of its own, made on
 * first use. A project not listed is refused with the line to add; a named key file that does not
 * exist stops the worker at start.
 */
export function createGcpProjects(options: GcpClientOptions & { topology?: TopologyFile | undefined }): GcpProjects {
  const file = options.topology;
  const projects = file?.topology.gcp?.projects;
  const shared = createGcpClients(options);
  if (!file || !projects) return anyProject(shared);
  for (const project of projects) {
    if (project.credentialsFile && !existsSync(project.credentialsFile)) {
      throw new Error(
        `Google Cloud project ${project.id} (${file.path} line ${file.lineOf('gcp', project.id) ?? '?'}) names credentialsFile ${project.credentialsFile}, which does not exist`,
      );
    }
  }
  const own = new Map<string, GcpActivityDeps>();
  return {
    listed: () => Promise.resolve(projects.map(({ id, name }) => ({ id, name }))),
    clients(projectId) {
      const project = projects.find((p) => p.id === projectId);
      if (!project) return Promise.reject(new InvalidRequestError(notInTopology(file, 'gcp', projectId)));
      if (!project.credentialsFile) return Promise.resolve(shared);
      let deps = own.get(projectId);
      if (!deps) {
        deps = createGcpClients({ ...options, keyFile: project.credentialsFile });
        own.set(projectId, deps);
      }
      return Promise.resolve(deps);
    },
  };
}
