import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Alert } from '../domain/alert.js';
import type { PlaybookSettings } from '../domain/playbook-input.js';
import { sweepPolicyOf, type Policy } from '../domain/policy.js';
import type { Report } from '../domain/report.js';
import { temporalLinkPlaybooks } from '../client/approval-links/link-playbooks.js';
import { withVerifierKey } from '../connect/decision-seal.js';
import { dryRun } from '../client/dry-run.js';
import { startPlaybook, type StartOptions } from '../client/start-playbook.js';
import type { AwsSimulator } from '../simulators/aws/index.js';
import type { EntraSimulator } from '../simulators/entra/index.js';
import type { GcpSimulator } from '../simulators/gcp/index.js';
import type { WorkspaceSimulator } from '../simulators/workspace/index.js';
import {
  loadPolicy,
  loadSeeds,
  toAlert,
  type PolicyInput,
  type SeedOptions,
  type Seeds,
  type Source,
} from './inputs.js';
import type { NotificationReceiver } from './notification-receiver.js';
import { Playbook } from './playbook.js';
import { TEST_SETTINGS } from './settings.js';
import type { KubeSandbox } from './kube-sandbox.js';
import { cloudMutations, startStack, type CloudMutations } from './stack.js';

/** The principal ledger's workflow type (workflows/principal.ts). */
const LEDGER_WORKFLOW_TYPE = 'principal';

export interface SandboxOptions {
  /** Each simulator's seed (inline, a path or a file URL); a cloud left out gets the repo's sandbox fixture. */
  seeds?: SeedOptions;
  /** The policy every run uses unless it names its own (inline, or a YAML/JSON file). Default: the default policy. */
  policy?: Source<PolicyInput>;
  /**
   * How long a contained playbook stays open for a release, whatever the policy says. Default "0s":
   * it closes as soon as containment ends, so `report()` resolves then. Give e.g. "1h" to test a release.
   */
  releaseWindow?: string;
  /**
   * How long the watch after containment lasts at most, whatever the policy says (its `sweep.watchAtMost`).
   * Default "0s": the sweep runs and the watch reads the trails once, so `report()` resolves soon after
   * containment. Give e.g. "30s" to test what your playbook does when a contained credential is used.
   */
  watchFor?: string;
  /** Activity timeouts and retries. Default: short ones (10 s timeout, retries from 50 ms), so a failure shows fast. */
  settings?: Partial<PlaybookSettings>;
  /**
   * Serve the Kubernetes sandbox too (`KUBE_SANDBOX`: cluster `sandbox`, payments/api with Pod api-0 and a legacy
   * token Secret): a real etcd, kube-apiserver and kube-controller-manager, ready in about 6 s once built. The first
   * use on a machine builds them from the Go module proxy (Go needed; 11 to 18 minutes on 2 cores, cached in
   * ~/.cache/revoker), so it is off by default. KUBE_APISERVER_PATH, KUBE_CONTROLLER_MANAGER_PATH and ETCD_PATH name
   * binaries of your own instead.
   */
  kubernetes?: boolean;
}

export interface RunOptions {
  /** This run's policy instead of the sandbox's. */
  policy?: Source<PolicyInput>;
  /** The payload is this SIEM's native format (`guardduty`, `sentinel`, …), mapped as its webhook route maps it. */
  source?: string;
  /** This run's release window instead of the sandbox's. */
  releaseWindow?: string;
  /** This run's longest watch instead of the sandbox's. */
  watchFor?: string;
}

export interface Sandbox {
  client: Client;
  /** The dev server's Temporal Web UI: open it to watch a test's playbooks. */
  uiUrl: string;
  /** The simulators: state (`accessKey`, `user`, `servicePrincipal`, …), `mutations()`, `injectFault()`. */
  aws: AwsSimulator;
  entra: EntraSimulator;
  gcp: GcpSimulator;
  workspace: WorkspaceSimulator;
  /**
   * With `kubernetes: true`: the cluster and its helpers (`legacyToken()`, `podToken()`, `tokenWorks()`,
   * `waitUntilRefused()`, `pod()`, `bindings()`, `mutations()`, …).
   */
  kubernetes?: KubeSandbox;
  /** The seeds the simulators started from (and `reset()` returns them to). */
  seeds: Seeds;
  /** What the playbooks posted to chat. */
  notifications: NotificationReceiver;
  /** Starts the playbook for an alert (through `startPlaybook`, as the webhook does) or merges it into the open one. */
  run(alert: Alert, options?: RunOptions): Promise<Playbook>;
  run(payload: unknown, options: RunOptions & { source: string }): Promise<Playbook>;
  /** Rehearses an alert (the real playbook with `dryRun`): each step's target is read, nothing is changed. */
  dryRun(alert: Alert, options?: RunOptions): Promise<Report>;
  dryRun(payload: unknown, options: RunOptions & { source: string }): Promise<Report>;
  /**
   * State-changing calls each simulator has served, by operation: `{ aws: {}, entra: {}, gcp: {}, workspace: {} }`
   * when none, with `kubernetes: {}` too when it is served (Revoker's writes there, from the API server's audit log).
   */
  mutations(): CloudMutations;
  /**
   * Terminates the playbooks this sandbox started that are still open and the principals' ledgers, and
   * returns the simulators (and the Kubernetes sandbox, when served) to their seeds: the next test starts with no
   * control held by an earlier one.
   */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Boots a Temporal dev server, the three simulators and Revoker's workers in this process (see
 * `startStack`). The process must have started with NODE_EXTRA_CA_CERTS naming the sandbox CA;
 * the error says the exact command when it did not.
 */
export function startSandbox(
  options: SandboxOptions & { kubernetes: true },
): Promise<Sandbox & { kubernetes: KubeSandbox }>;
export function startSandbox(options?: SandboxOptions): Promise<Sandbox>;
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  // Bad fixtures and policies fail here, before seconds go into booting a server.
  const seeds = loadSeeds(options.seeds);
  const policy = loadPolicy(options.policy);
  const stack = await startStack(seeds, { kubernetes: options.kubernetes ?? false });
  const { client } = stack;
  const decisions = temporalLinkPlaybooks(client);
  const started = new Set<string>();

  const startOptions = (run: RunOptions): StartOptions => {
    const chosen: Policy = run.policy === undefined ? policy : loadPolicy(run.policy);
    return {
      policy: withVerifierKey(
        {
          ...chosen,
          releaseWindow: run.releaseWindow ?? options.releaseWindow ?? '0s',
          // The watch keeps an incident open for hours in production: in a test, as long as asked, read every second.
          sweep: {
            ...sweepPolicyOf(chosen),
            watchAtMost: run.watchFor ?? options.watchFor ?? '0s',
            pollEvery: '1s',
            settle: '0s',
          },
        },
        stack.links.verifierKey,
      ),
      settings: { ...TEST_SETTINGS, ...options.settings },
      uiBaseUrl: stack.uiUrl,
    };
  };

  return {
    client,
    uiUrl: stack.uiUrl,
    aws: stack.aws,
    entra: stack.entra,
    gcp: stack.gcp,
    workspace: stack.workspace,
    ...(stack.kubernetes ? { kubernetes: stack.kubernetes } : {}),
    seeds,
    notifications: stack.notifications,
    async run(input: unknown, run: RunOptions = {}) {
      const result = await startPlaybook(client, toAlert(input, run.source), startOptions(run));
      started.add(result.workflowId);
      return new Playbook(client, result, decisions);
    },
    dryRun: (input: unknown, run: RunOptions = {}) => dryRun(client, toAlert(input, run.source), startOptions(run)),
    mutations: () => cloudMutations(stack),
    async reset() {
      for (const workflowId of started) {
        try {
          await client.workflow.getHandle(workflowId).terminate('sandbox reset');
        } catch (error) {
          // Already closed: nothing to stop.
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      }
      started.clear();
      // The principals' ledgers outlive their incidents by design (workflows/principal.ts): left running, they
      // would still name a terminated incident as holding a control, and a later release would keep it in force.
      // The sandbox's dev server is its own, so every ledger on it belongs to this sandbox's playbooks.
      for await (const ledger of client.workflow.list({
        query: `WorkflowType = '${LEDGER_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`,
      })) {
        try {
          await client.workflow.getHandle(ledger.workflowId, ledger.runId).terminate('sandbox reset');
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      }
      stack.aws.reset(seeds.aws);
      stack.entra.reset(seeds.entra);
      stack.gcp.reset(seeds.gcp);
      stack.workspace.reset(seeds.workspace);
      await stack.kubernetes?.reset();
      stack.notifications.clear();
    },
    close: () => stack.close(),
  };
}
