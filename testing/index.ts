// `revoker/testing`: test your playbooks and policies against the sandbox clouds in a few lines
// (docs/testing-kit.md). From a checkout with tsx, or as built JavaScript from a release build with plain node; the
// process needs NODE_EXTRA_CA_CERTS (see startSandbox).
export { startSandbox, type RunOptions, type Sandbox, type SandboxOptions } from './sandbox.js';
export { Playbook, type ActionSelection, type DecideAs, type WaitOptions } from './playbook.js';
export type { PolicyInput, SeedOptions, Seeds, Source } from './inputs.js';
export type { NotificationReceiver } from './notification-receiver.js';
export { RESPONDER } from './responders.js';
export { DecisionRefusedError, PlaybookGoneError } from '../client/approval-links/link-playbooks.js';

export type { Alert, Severity } from '../domain/alert.js';
export type { Decision } from '../domain/decision.js';
export type { Policy } from '../domain/policy.js';
export type { Principal } from '../domain/principal.js';
export type { ActionRecord, ActionStatus, PlaybookState, PlaybookStatus, Report } from '../domain/report.js';
export type { AwsSeed, AwsSimulator } from '../simulators/aws/index.js';
export { ENTRA_SANDBOX, type EntraSeed, type EntraSimulator } from '../simulators/entra/index.js';
export { GCP_SANDBOX, type GcpSeed, type GcpSimulator } from '../simulators/gcp/index.js';
export { WORKSPACE_SANDBOX, type WorkspaceSeed, type WorkspaceSimulator } from '../simulators/workspace/index.js';
export {
  KUBE_SANDBOX,
  kubeSandbox,
  startKubeSandbox,
  TOKEN_CACHE_MS,
  type KubeSandbox,
  type KubeSandboxOptions,
} from './kube-sandbox.js';
export type { KubeCluster, KubeWrite } from './kube-cluster.js';
export type { CloudMutations } from './stack.js';
