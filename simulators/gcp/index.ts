export { startGcpSimulator, DEFAULT_SEED_PATH, type GcpSimulator, type GcpSimulatorOptions } from './server.js';
export { gcpSeedSchema, loadGcpSeed, parseGcpSeed, GcpSeedError, type GcpSeed, type ValidatedGcpSeed } from './seed.js';
export { keyFileOf, type GcpKeyFile } from './key-file.js';
export { GCP_SANDBOX } from './sandbox.js';
export { gcpFaultSchema, type GcpFault, type GcpFaultStatus } from './faults.js';
export type { MutationEntry, MutationSummary } from './mutations.js';
export type { PublicGcpState } from './snapshot.js';
export type { GoogleErrorBody } from './errors.js';
