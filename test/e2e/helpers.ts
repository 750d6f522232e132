import type { WorkflowHandle } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Alert, Severity } from '../../domain/alert.js';
import type { DecisionRequest } from '../../domain/decision.js';
import { approveSignal, rejectSignal, statusQuery } from '../../domain/messages.js';
import type { Principal } from '../../domain/principal.js';
import type { PlaybookStatus, Report } from '../../domain/report.js';
import type { AwsSeed } from '../../simulators/aws/index.js';
import { ENTRA_SANDBOX } from '../../simulators/entra/index.js';
import { GCP_SANDBOX } from '../../simulators/gcp/index.js';
import { afterEach, beforeEach } from 'node:test';
import { startPlaybook } from '../../client/start-playbook.js';
import { createWebhookApp } from '../../client/webhook/app.js';
import { principalWorkflowId } from '../../activities/ledger.js';
import { incidentWorkflowId } from '../../client/start-playbook.js';
import { EncryptionCodec, principalTagsOf } from '../../connect/payload-codec.js';
import { harness, TEST_POLICY, TEST_SETTINGS, type Harness } from '../harness.js';

export const ACCOUNT = '123456789012';

let counter = 0;
export function alertAbout(
  principals: Principal[],
  severity: Severity = 'medium',
  overrides: Partial<Alert> = {},
): Alert {
  counter += 1;
  return {
    source: 'test',
    id: `alert-${process.pid}-${Date.now()}-${counter}`,
    title: 'Stolen access key used from an unfamiliar network',
    severity,
    observedAt: new Date().toISOString(),
    principals,
    ...overrides,
  };
}

export const awsUser = (userName: string): Principal => ({ type: 'aws.user', accountId: ACCOUNT, userName });
export const awsRole = (roleName: string): Principal => ({ type: 'aws.role', accountId: ACCOUNT, roleName });
/** The sandbox's compromised Entra user (adele) and Google service account (etl-runner). */
export const entraUser = (): Principal => ({
  type: 'entra.user',
  tenantId: ENTRA_SANDBOX.tenantId,
  user: ENTRA_SANDBOX.compromisedUser.id,
});
export const gcpServiceAccount = (): Principal => ({
  type: 'gcp.serviceAccount',
  projectId: GCP_SANDBOX.projectId,
  email: GCP_SANDBOX.compromised.email,
});
/** One stolen-token incident across the three clouds: alice's AWS keys, adele in Entra, etl-runner in Google Cloud. */
export const threeClouds = (): Principal[] => [awsUser('alice'), entraUser(), gcpServiceAccount()];

type Playbook = WorkflowHandle;

export async function waitForStatus(
  handle: Playbook,
  predicate: (status: PlaybookStatus) => boolean,
  timeoutMs = 15_000,
): Promise<PlaybookStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: PlaybookStatus | undefined;
  while (Date.now() < deadline) {
    try {
      last = await handle.client.withDeadline(Date.now() + 5_000, () => handle.query(statusQuery));
    } catch (error) {
      throw new Error(`status query failed: ${String(error)}\n${await explain(handle)}`, { cause: error });
    }
    if (predicate(last)) return last;
    await sleep(100);
  }
  throw new Error(`status never matched; last: ${JSON.stringify(last, null, 2)}`);
}

/** The history's event types and the pending workflow task, for a test that cannot query the playbook. */
async function explain(handle: Playbook): Promise<string> {
  const history = await handle.fetchHistory();
  const events = (history.events ?? []).map((event) => {
    const failure = event.workflowTaskFailedEventAttributes;
    const why = failure ? ` ${String(failure.cause)}: ${failure.failure?.message ?? ''}` : '';
    return `${String(event.eventId)} ${String(event.eventType)}${why}`;
  });
  const description = await handle.describe();
  return `status ${description.status.name}; pending task ${JSON.stringify(description.raw.pendingWorkflowTask)}\n${events.join('\n')}`;
}

/** Waits until planning is done and no action is still moving on its own (its ledger record included). */
export function settled(status: PlaybookStatus): boolean {
  return (
    status.actions.length > 0 &&
    status.actions.every((r) => !['planned', 'running', 'verifying'].includes(r.status) && !r.recording)
  );
}

export async function approve(handle: Playbook, request: DecisionRequest): Promise<void> {
  await handle.signal(approveSignal, request);
}

export async function reject(handle: Playbook, request: DecisionRequest): Promise<void> {
  await handle.signal(rejectSignal, request);
}

export function result(handle: Playbook): Promise<Report> {
  return handle.result() as Promise<Report>;
}

export function statusOf(report: PlaybookStatus, actionId: string) {
  const record = report.actions.find((r) => r.action.id === actionId);
  if (!record) throw new Error(`no action ${actionId} in ${report.actions.map((r) => r.action.id).join(', ')}`);
  return record;
}

/** Tracks the playbooks a test starts and terminates those still open, so the next test starts clean. */
export function playbookTracker(h: () => Harness) {
  const open: string[] = [];
  return {
    handle(workflowId: string): Playbook {
      open.push(workflowId);
      return h().client.workflow.getHandle(workflowId);
    },
    async cleanup(): Promise<void> {
      const { client } = h();
      for (const id of open.splice(0)) {
        await client.workflow
          .getHandle(id)
          .terminate('test cleanup')
          .catch(() => undefined);
      }
      // The principals' ledgers outlive their incidents by design; the clouds are reset between tests, so are they.
      // So is any incident still open that the test did not track: a later alert would join it.
      // Visibility lags the workflows by a moment: look again until it lists none still running.
      const query = `WorkflowType IN ('principal', 'playbook') AND ExecutionStatus = 'Running'`;
      for (let round = 0; round < 50; round += 1) {
        let found = 0;
        for await (const open of client.workflow.list({ query })) {
          found += 1;
          await client.workflow
            .getHandle(open.workflowId)
            .terminate('test cleanup')
            .catch(() => undefined);
        }
        if (found === 0 && round > 0) return;
        await sleep(100);
      }
    },
  };
}

/** A copy of the seed with extra users, for tests that need a special principal. */
export function seedWith(seed: AwsSeed, extra: Partial<Pick<AwsSeed, 'users' | 'roles'>>): AwsSeed {
  return {
    ...seed,
    users: [...seed.users, ...(extra.users ?? [])],
    roles: [...seed.roles, ...(extra.roles ?? [])],
  };
}

/** The history as JSON plus every payload decoded (payloads are base64 JSON), for scanning for secrets. */
export async function historyText(handle: Playbook): Promise<string> {
  const history = await handle.fetchHistory();
  // Payloads are encrypted in history: decrypted with the stack's keys, as the worker reads them.
  const codec = new EncryptionCodec((await harness()).payloads.keys);
  const decoded = await codec.decode(payloadsIn(history));
  return [JSON.stringify(history), ...decoded.map((p) => Buffer.from(p.data ?? []).toString('utf8'))].join('\n');
}

/** Every Payload message in a history (or any protobuf object): those with `metadata` and bytes `data`. */
export function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return found;
  if ('data' in value && value.data instanceof Uint8Array && 'metadata' in value) found.push(value as Payload);
  else for (const child of Object.values(value)) payloadsIn(child, found);
  return found;
}

/**
 * The hooks every end-to-end suite needs: the shared harness with every sandbox cloud reset before each test
 * (Kubernetes re-seeded when something wrote to it), and the playbooks a test started terminated after it.
 * Returns the tracker.
 */
export function useSandbox(onReady: (h: Harness) => void): ReturnType<typeof playbookTracker> {
  let current: Harness | undefined;
  const playbooks = playbookTracker(() => {
    if (!current) throw new Error('no harness yet: the suite has not started');
    return current;
  });
  beforeEach(async () => {
    current = await harness();
    current.aws.reset(current.seed);
    current.entra.reset(current.entraSeed);
    current.gcp.reset(current.gcpSeed);
    current.workspace.reset(current.workspaceSeed);
    await current.kubernetes.reset();
    onReady(current);
  });
  afterEach(() => playbooks.cleanup());
  return playbooks;
}

/** Posts to the real webhook app (bearer `e2e-token`), which starts playbooks on the harness's server. */
export function webhookPoster(h: () => Harness) {
  return (path: string, body: unknown, token = 'e2e-token') =>
    createWebhookApp({
      auth: { bearerTokens: ['e2e-token'], hmacSecrets: [] },
      startPlaybook: (alert) =>
        startPlaybook(h().client, alert, { policy: TEST_POLICY, settings: TEST_SETTINGS, uiBaseUrl: 'http://ui' }),
    }).request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
}

/** The incident id for exactly these principals, as the test stack's client computes it (a keyed hash). */
export const incidentId = (h: Harness, principals: Principal[]) => incidentWorkflowId(h.client, principals);

/** A principal's ledger id (`principal/<keyed hash>`), as the stack's workers compute it. */
export const ledgerId = (h: Harness, principalKey: string) =>
  principalWorkflowId(principalKey, principalTagsOf(h.client.options.loadedDataConverter));

/** What RevokerPrincipal holds for a principal key: its keyed hash, as the stack's workers file it. */
export const filedTag = (h: Harness, principalKey: string) =>
  principalTagsOf(h.client.options.loadedDataConverter).tag(principalKey);
