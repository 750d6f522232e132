export {
  startGcpSimulator,
  DEFAULT_SEED_PATH,
  HIERARCHY_PATH,
  MEMBER_SEED_PATHS,
  organisationSeeds,
  type GcpSimulator,
  type GcpSimulatorOptions,
} from './server.js';
export { gcpSeedSchema, loadGcpSeed, parseGcpSeed, GcpSeedError, type GcpSeed, type ValidatedGcpSeed } from './seed.js';
export {
  gcpHierarchySchema,
  loadGcpHierarchy,
  parseGcpHierarchy,
  type GcpHierarchy,
  type ValidatedGcpHierarchy,
} from './hierarchy.js';
export { keyFileOf, type GcpKeyFile } from './key-file.js';
export { GCP_ORGANISATION, GCP_SANDBOX } from './sandbox.js';
export { gcpFaultSchema, type GcpFault, type GcpFaultStatus } from './faults.js';
export type { MutationEntry, MutationSummary } from './mutations.js';
export type { PublicGcpProject, PublicGcpState } from './snapshot.js';
export type { GoogleErrorBody } from './errors.js';
