import { classifyGoogleError, type GoogleApiHints } from './gcp-errors.js';
import type { ProviderError } from './errors.js';

const WORKSPACE_HINTS: GoogleApiHints = {
  api: 'the Google Workspace Directory API',
  notFound: 'Check the user and app in the alert; nothing was changed.',
  denied:
    'In the Admin console (Security > Access and data control > API controls > Domain-wide delegation), authorise the worker\'s service account client id for https://www.googleapis.com/auth/admin.directory.user and https://www.googleapis.com/auth/admin.directory.user.security, and impersonate an administrator with user management rights (docs/deploy.md, "Google Workspace").',
};

/** Maps a Directory API (or its token endpoint's) error to a provider error. */
export function classifyWorkspaceError(error: unknown): ProviderError | undefined {
  return classifyGoogleError(error, WORKSPACE_HINTS);
}
