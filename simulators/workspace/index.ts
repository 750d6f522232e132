export {
  startWorkspaceSimulator,
  DEFAULT_SEED_PATH,
  type WorkspaceSimulator,
  type WorkspaceSimulatorOptions,
} from './server.js';
export {
  workspaceSeedSchema,
  loadWorkspaceSeed,
  parseWorkspaceSeed,
  WorkspaceSeedError,
  type WorkspaceSeed,
  type ValidatedWorkspaceSeed,
} from './seed.js';
export { keyFileOf, type WorkspaceKeyFile } from './key-file.js';
export { WORKSPACE_SANDBOX, WORKSPACE_SCOPES } from './sandbox.js';
export { workspaceFaultSchema, type WorkspaceFault, type WorkspaceFaultStatus } from './faults.js';
export type { MutationEntry, MutationSummary, TokenEntry, TokenSummary } from './mutations.js';
export type { PublicWorkspaceState, PublicWorkspaceUser } from './snapshot.js';
export type { GoogleErrorBody } from './errors.js';
