import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { cloudMutations } from '../../testing/stack.js';
import type { Alert } from '../../domain/alert.js';
import { dryRun } from '../../client/dry-run.js';
import type { Principal } from '../../domain/principal.js';
import type { Report } from '../../domain/report.js';
import { ENTRA_SANDBOX } from '../../simulators/entra/index.js';
import { GCP_SANDBOX } from '../../simulators/gcp/index.js';
import { TEST_POLICY, TEST_SETTINGS, type Harness } from '../harness.js';
import { alertAbout, approve, awsRole, awsUser, result, settled, useSandbox, waitForStatus } from './helpers.js';

const EXAMPLES = new URL('../../examples/alerts/', import.meta.url);

/** The dry run of an alert, then the real run of the same alert: the dry run must have said what happens. */
describe('dry run', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));
  const mutations = () => cloudMutations(h);

  const cases: [string, Principal[]][] = [
    ['an AWS user and role', [awsUser('alice'), awsRole('deploy')]],
    [
      'an Entra user and app',
      [
        { type: 'entra.user', tenantId: ENTRA_SANDBOX.tenantId, user: ENTRA_SANDBOX.compromisedUser.id },
        { type: 'entra.servicePrincipal', tenantId: ENTRA_SANDBOX.tenantId, appId: ENTRA_SANDBOX.maliciousApp.appId },
      ],
    ],
    [
      'a GCP service account',
      [{ type: 'gcp.serviceAccount', projectId: GCP_SANDBOX.projectId, email: GCP_SANDBOX.compromised.email }],
    ],
  ];

  // Every example alert too (examples/alerts), under its own severity.
  const examples = readdirSync(EXAMPLES).filter((file) => file.endsWith('.json'));
  const runs: [string, () => Alert][] = [
    ...cases.map(([what, principals]): [string, () => Alert] => [what, () => alertAbout(principals, 'critical')]),
    ...examples.map((file): [string, () => Alert] => [
      `examples/alerts/${file}`,
      () => ({
        ...(JSON.parse(readFileSync(new URL(file, EXAMPLES), 'utf8')) as Alert),
        id: `${file}-${Date.now()}`,
      }),
    ]),
  ];

  for (const [what, makeAlert] of runs) {
    it(`changes nothing for ${what}, and says what the real run then does`, async () => {
      const alert = makeAlert();
      const rehearsal: Report = await dryRun(h.client, alert, {
        policy: TEST_POLICY,
        settings: TEST_SETTINGS,
        uiBaseUrl: 'http://ui',
      });
      assert.deepEqual(
        mutations(),
        { aws: {}, entra: {}, gcp: {}, workspace: {}, kubernetes: {} },
        'a dry run mutates nothing',
      );
      assert.equal(rehearsal.state, 'DryRun');
      assert.ok(rehearsal.actions.length > 0);
      for (const record of rehearsal.actions) {
        if (record.action.mode === 'skip') continue;
        assert.equal(record.status, 'previewed', `${record.action.id}: ${JSON.stringify(record.error)}`);
        assert.ok(record.preview?.current, `${record.action.id} says what it found`);
      }

      const handle = playbooks.handle((await h.start(alert)).workflowId);
      await waitForStatus(handle, settled, 30_000);
      await approve(handle, { approver: 'sam@example.com', actions: 'all' });
      const real = await result(handle);
      const outcome = new Map(real.actions.map((r) => [r.action.id, r.status]));
      assert.deepEqual(
        rehearsal.actions.map((r) => [r.action.id, r.action.mode]),
        real.actions.map((r) => [r.action.id, r.action.mode]),
        'the same plan, with the same approval gates',
      );
      for (const record of rehearsal.actions) {
        if (!record.preview) continue;
        const expected = record.preview.changes ? 'done' : 'already';
        assert.equal(outcome.get(record.action.id), expected, `${record.action.id}: ${record.preview.current}`);
      }
    });
  }
});
