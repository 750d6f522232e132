import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { revokerDataConverter } from '../../connect/payload-codec.js';
import type { Principal } from '../../domain/principal.js';
import { RevokerPrincipal } from '../../domain/search-attributes.js';
import { ENTRA_SANDBOX } from '../../simulators/entra/index.js';
import { GCP_SANDBOX } from '../../simulators/gcp/index.js';
import { bundlePlaybookWorkflows } from '../../testing/workflow-bundle.js';
import type { Harness } from '../harness.js';
import { alertAbout, approve, awsUser, historyText, result, settled, useSandbox, waitForStatus } from './helpers.js';
import { workflowSpanSinks } from '../../worker/telemetry.js';

const TITLE = 'Refresh token replayed from 203.0.113.77 by the Scattered Owl crew';
const principals: Principal[] = [
  awsUser('alice'),
  { type: 'entra.user', tenantId: ENTRA_SANDBOX.tenantId, user: ENTRA_SANDBOX.compromisedUser.userPrincipalName },
  { type: 'gcp.serviceAccount', projectId: GCP_SANDBOX.projectId, email: GCP_SANDBOX.compromised.email },
];
/** What someone with read access to the namespace must not learn: who, what the alert said, and any secret. */
const NAMES = [
  'alice',
  'adele',
  ENTRA_SANDBOX.compromisedUser.userPrincipalName,
  ENTRA_SANDBOX.compromisedUser.id,
  'etl-runner',
  GCP_SANDBOX.compromised.email,
  'AKIAALICE07EXAMPLE01',
];

/** A history as a reader without the keys sees it: the raw JSON, and each payload's bytes as text. */
function rawText(history: unknown): string {
  const raw = JSON.stringify(history);
  const decoded = [...raw.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map((m) =>
    Buffer.from(m[1] ?? '', 'base64').toString('utf8'),
  );
  return [raw, ...decoded].join('\n');
}

describe('encrypted history', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));

  it('names no principal, alert text or secret to a reader without the keys, and still replays with them', async () => {
    // GCP refuses: a failure (with its message) in history too.
    h.gcp.injectFault({ status: 503, times: 100 });
    const started = await h.start(alertAbout(principals, 'critical', { title: TITLE }));
    const handle = playbooks.handle(started.workflowId);
    await waitForStatus(handle, (s) => settled(s) && s.principals.every((p) => p.status !== 'discovering'), 30_000);
    // Found through the keyed hashes it is filed under: an alert naming alice alone joins it.
    const joined = await h.start(alertAbout([awsUser('alice')], 'low'));
    assert.deepEqual([joined.workflowId, joined.outcome], [started.workflowId, 'merged']);
    await approve(handle, { approver: 'sam@example.com', actions: 'all' });
    const report = await result(handle);
    assert.ok(
      report.actions.some((r) => r.status === 'done'),
      'the playbook contained something',
    );

    // A client without the codec: what the server stores and hands to anyone who may read the namespace.
    const reader = new Client({ connection: h.client.connection, namespace: h.client.options.namespace });
    const rawHandle = reader.workflow.getHandle(started.workflowId, started.runId);
    const history = await rawHandle.fetchHistory();
    const raw = rawText(history);
    const decoded = await historyText(h.client.workflow.getHandle(started.workflowId, started.runId));
    for (const name of [...NAMES, TITLE]) {
      assert.ok(decoded.includes(name), `the decrypted history holds ${name}: the check can fail`);
      assert.equal(raw.includes(name), false, `the raw history holds ${name}`);
    }
    const secrets = [
      ...h.seed.users.flatMap((u) => u.accessKeys.map((k) => k.secretAccessKey)),
      process.env.AWS_SECRET_ACCESS_KEY ?? '',
      process.env.AZURE_CLIENT_SECRET ?? '',
      h.links.secret,
    ].filter((secret) => secret.length >= 16);
    for (const secret of secrets) assert.equal(raw.includes(secret), false, 'a secret is in the raw history');
    const failures = (history.events ?? []).filter((e) => e.activityTaskFailedEventAttributes);
    assert.ok(failures.length > 0, 'the GCP failure is in history');
    for (const event of failures) {
      assert.equal(event.activityTaskFailedEventAttributes?.failure?.message, 'Encoded failure');
      assert.equal(event.activityTaskFailedEventAttributes?.failure?.stackTrace, '');
    }

    // Visibility: the memo (whom the CLI lists) is encrypted, and the incident is filed under keyed hashes only.
    const thisRun = { query: `RunId = '${started.runId}'` };
    await assert.rejects(async () => {
      for await (const listed of reader.workflow.list(thisRun)) assert.fail(`read the memo of ${listed.workflowId}`);
    }, /Unknown encoding: binary\/encrypted/);
    let filed: string[] = [];
    for await (const listed of h.client.workflow.list(thisRun)) {
      filed = listed.typedSearchAttributes.get(RevokerPrincipal) ?? [];
    }
    assert.ok(filed.length >= 3, `filed under ${filed.length} tags`);
    for (const tag of filed) assert.match(tag, /^p\.[A-Za-z0-9_-]{27}$/);

    // The principals' ledgers' histories too.
    for await (const ledger of reader.workflow.list({ query: `WorkflowType = 'principal'` })) {
      const text = rawText(await reader.workflow.getHandle(ledger.workflowId, ledger.runId).fetchHistory());
      for (const name of NAMES) assert.equal(text.includes(name), false, `a ledger's raw history holds ${name}`);
    }

    // The encrypted history replays with the codec, as a recorded one would.
    const workflowBundle = await bundlePlaybookWorkflows();
    await Worker.runReplayHistory(
      { workflowBundle, dataConverter: revokerDataConverter(h.payloads.keys), sinks: workflowSpanSinks() },
      history,
      started.workflowId,
    );
  });
});
