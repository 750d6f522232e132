// `npm run test:reliability`: the metrics the playbook records from workflow code (workflows/metrics.ts), read off
// the Temporal runtime's Prometheus endpoint as a worker serves it (REVOKER_METRICS_ADDRESS). IAM loses every write
// to one of alice's keys, so that step's verification fails: revoker_verification_failures_total counts it, once,
// and revoker_time_to_contain_seconds records the incident, once, in the state it ended in.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startPlaybook } from '../../client/start-playbook.js';
import { TIME_TO_CONTAIN, VERIFICATION_FAILURES } from '../../domain/metrics.js';
import type { Report } from '../../domain/report.js';
import { loadSeeds } from '../../testing/inputs.js';
import { TEST_POLICY, TEST_SETTINGS } from '../../testing/settings.js';
import { freePort, startStack } from '../../testing/stack.js';
import { operationsFromEnv, runtimeMetrics } from '../../worker/operations.js';
import { alertAbout, awsUser } from '../e2e/helpers.js';

// As worker/main.ts installs it: before anything uses the runtime (the stack's workers and test server do).
const metricsAddress = `127.0.0.1:${await freePort()}`;
Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: { metrics: runtimeMetrics(operationsFromEnv({ REVOKER_METRICS_ADDRESS: metricsAddress })) },
});
const stack = await startStack(loadSeeds());
after(() => stack.close());

const scrape = () => fetch(`http://${metricsAddress}/metrics`).then((r) => r.text());

/** The samples of a metric whose series carries every label given, summed. */
function total(metrics: string, name: string, labels: string[]): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const [series, value] = line.split(/ (?=[^ ]+$)/);
    if (labels.every((label) => series?.includes(label))) sum += Number(value);
  }
  return sum;
}

it(
  'counts a failed verification and the time to contain, once each, from the workflow',
  { timeout: 180_000 },
  async () => {
    const alice = stack.seeds.aws.users.find((u) => u.userName === 'alice');
    const key = alice?.accessKeys[0]?.accessKeyId;
    assert.ok(key);
    const kind = `kind="aws.deactivateAccessKey"`;
    const before = await scrape();
    // Every deactivation of this key answers success and changes nothing: each act is verified and found undone.
    stack.aws.injectFault({ action: 'UpdateAccessKey', lostWrite: true, times: 1_000 });
    const { workflowId } = await startPlaybook(stack.client, alertAbout([awsUser('alice')], 'high'), {
      policy: { ...TEST_POLICY, actions: { ...TEST_POLICY.actions, 'aws.deleteAccessKey': 'skip' } },
      settings: TEST_SETTINGS,
      uiBaseUrl: stack.uiUrl,
    });
    const report = (await stack.client.workflow.getHandle(workflowId).result()) as Report;
    stack.aws.clearFaults();
    const failed = report.actions.filter((r) => r.error?.type === 'VerificationFailed');
    assert.ok(failed.length >= 1, JSON.stringify(report.actions.map((r) => [r.action.id, r.status, r.error?.type])));

    let metrics = before;
    for (let i = 0; i < 40 && total(metrics, `${TIME_TO_CONTAIN.name}_count`, [`state="${report.state}"`]) === 0; i++) {
      await sleep(250);
      metrics = await scrape();
    }
    assert.equal(
      total(metrics, VERIFICATION_FAILURES.name, ['provider="aws"', kind]) -
        total(before, VERIFICATION_FAILURES.name, ['provider="aws"', kind]),
      failed.filter((r) => r.action.kind === 'aws.deactivateAccessKey').length,
      'one count per step whose verification failed',
    );
    assert.equal(total(metrics, `${TIME_TO_CONTAIN.name}_count`, [`state="${report.state}"`]), 1, report.state);
    assert.match(metrics, new RegExp(`${TIME_TO_CONTAIN.name}_bucket\\{[^}]*le="86400"`), 'the buckets run to days');
  },
);
