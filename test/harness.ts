import type { StartResult } from '../client/start-playbook.js';
import { startPlaybook } from '../client/start-playbook.js';
import { withVerifierKey } from '../connect/decision-seal.js';
import type { Alert } from '../domain/alert.js';
import type { PlaybookSettings } from '../domain/playbook-input.js';
import type { Policy } from '../domain/policy.js';
import type { AwsSeed } from '../simulators/aws/index.js';
import type { EntraSeed } from '../simulators/entra/index.js';
import type { GcpSeed } from '../simulators/gcp/index.js';
import type { WorkspaceSeed } from '../simulators/workspace/index.js';
import { loadSeeds } from '../testing/inputs.js';
import { TEST_POLICY, TEST_SETTINGS } from '../testing/settings.js';
import type { KubeSandbox } from '../testing/kube-sandbox.js';
import { startStack, type Stack } from '../testing/stack.js';

// The dev server, simulators and workers are testing/stack.ts, shared with the teams' test kit (revoker/testing).
export { TEST_POLICY, TEST_SETTINGS } from '../testing/settings.js';
export { RESPONDER } from '../testing/responders.js';
export type { NotificationReceiver } from '../testing/notification-receiver.js';

export interface Harness extends Omit<Stack, 'seeds' | 'kubernetes'> {
  /** The Kubernetes sandbox: every e2e run serves it (npm test builds the control plane first). */
  kubernetes: KubeSandbox;
  seed: AwsSeed;
  gcpSeed: GcpSeed;
  entraSeed: EntraSeed;
  workspaceSeed: WorkspaceSeed;
  start(alert: Alert, options?: { policy?: Policy; settings?: Partial<PlaybookSettings> }): Promise<StartResult>;
}

let shared: Promise<Harness> | undefined;

/** One dev server, simulator and worker set per test run (a node:test process); started on first use. */
export function harness(): Promise<Harness> {
  shared ??= startHarness();
  return shared;
}

async function startHarness(): Promise<Harness> {
  const stack = await startStack(loadSeeds(), { kubernetes: true });
  const { kubernetes } = stack;
  if (!kubernetes) throw new Error('the stack started without the Kubernetes sandbox');
  return {
    ...stack,
    kubernetes,
    seed: stack.seeds.aws,
    entraSeed: stack.seeds.entra,
    gcpSeed: stack.seeds.gcp,
    workspaceSeed: stack.seeds.workspace,
    start: (alert, options = {}) =>
      startPlaybook(stack.client, alert, {
        // As the webhook starts them: with the key of the seal its server puts on verified decisions.
        policy: withVerifierKey(options.policy ?? TEST_POLICY, stack.links.verifierKey),
        settings: { ...TEST_SETTINGS, ...options.settings },
        uiBaseUrl: 'http://localhost:8233',
      }),
  };
}
