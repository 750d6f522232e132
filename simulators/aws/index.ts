export {
  startAwsSimulator,
  DEFAULT_SEED_PATH,
  MEMBER_SEED_PATHS,
  organisationSeeds,
  type AwsSimulator,
  type AwsSimulatorOptions,
} from './server.js';
export { awsSeedSchema, loadAwsSeed, parseAwsSeed, AwsSeedError, type AwsSeed, type ValidatedAwsSeed } from './seed.js';
export { awsFaultSchema, type AwsFault, type AwsFaultCode } from './faults.js';
export type { MutationEntry, MutationSummary } from './mutations.js';
export type { PublicState } from './snapshot.js';
