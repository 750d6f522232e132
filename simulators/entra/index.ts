export {
  startEntraSimulator,
  DEFAULT_SEED_PATH,
  SECOND_TENANT_SEED_PATH,
  type EntraSimulator,
  type EntraSimulatorOptions,
} from './server.js';
export {
  entraSeedSchema,
  loadEntraSeed,
  parseEntraSeed,
  EntraSeedError,
  type EntraSeed,
  type ValidatedEntraSeed,
} from './seed.js';
export { ensureSandboxCa, defaultSandboxCaDir, trustFile, type SandboxCa } from './sandbox-ca.js';
export { entraFaultSchema, type EntraFault, type EntraFaultStatus } from './faults.js';
export type { EntraOperation, MutationEntry, MutationSummary, TokenEntry, TokenSummary } from './mutations.js';
export type { PublicState } from './snapshot.js';
export type { DirectoryAuditRecord, SignInRecord } from './audit-records.js';
export { ENTRA_SANDBOX } from './sandbox.js';
