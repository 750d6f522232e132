import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cloudMutations } from '../../testing/stack.js';
import { PROGRAM, runCli } from '../../client/cli/program.js';
import { connectDryRunGateway } from '../../client/cli/dry-run-gateway.js';
import { connectGateway } from '../../client/cli/temporal-gateway.js';
import type { Report } from '../../domain/report.js';
import { ROOT } from '../../scripts/bootstrap.mjs';
import type { Harness } from '../harness.js';
import { alertAbout, approve, awsUser, result, settled, useSandbox, waitForStatus } from './helpers.js';

/** `revoker dry-run` as a responder runs it: the real CLI, the dev server, real workers and the sandbox clouds. */
describe('revoker dry-run on a real Temporal server', () => {
  let h: Harness;
  const playbooks = useSandbox((ready) => (h = ready));
  const mutations = () => cloudMutations(h);
  const cli = async (...args: string[]) => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    process.env.TEMPORAL_ADDRESS = h.env.address;
    const code = await runCli(args, {
      connect: () => connectGateway(PROGRAM),
      connectDryRun: () => connectDryRunGateway(PROGRAM),
      stdout: (text) => stdout.push(text),
      stderr: (text) => stderr.push(text),
      env: {},
    });
    return { code, out: stdout.join(''), err: stderr.join('') };
  };
  /** The table's row for an action, by a fragment of its description (the first line of a wrapped row). */
  const row = (out: string, fragment: string) => out.split('\n').find((line) => line.includes(fragment)) ?? '';

  it('rehearses an example alert across three clouds: the plan as a table, exit 1, and nothing changed', async () => {
    const run = await cli('dry-run', join(ROOT, 'examples/alerts/mixed-cloud.json'));

    assert.equal(run.code, 1, run.err);
    assert.deepEqual(
      mutations(),
      { aws: {}, entra: {}, gcp: {}, workspace: {}, kubernetes: {} },
      'a dry run mutates nothing',
    );
    assert.match(run.out, /^Dry run of sentinel\/tour-mixed-0001 \(high\): Consent phishing/);
    assert.match(run.out, /policy +built-in default \(as `npm start`\)/);
    assert.match(
      run.out,
      /\nPRINCIPAL +PROVIDER +ACTION +MODE +CURRENT STATE +EXPECTED EFFECT +RESIDUAL RISK\n/,
      'the table has the columns a responder reads',
    );
    assert.match(row(run.out, 'Deactivate access key AKIAALICE07EXAMPLE01'), /^IAM user alice \(123456789012\) +aws +/);
    assert.match(row(run.out, 'Deactivate access key AKIAALICE07EXAMPLE01'), / auto +.+ would change +/);
    assert.match(row(run.out, 'Delete access key AKIAALICE07EXAMPLE01'), / approval +.+ would change /);
    assert.match(row(run.out, 'Revoke every refresh token'), /^Entra user adele@contoso\.example +entra +/);
    assert.match(row(run.out, 'Disable service account'), / gcp +.+ approval +.+ would change /);
    assert.match(run.out, /\nWould change: 15 of 15 steps \(8 only once approved\)\.\n$/);
    assert.match(
      run.err,
      /^revoker: dry run of sentinel\/tour-mixed-0001 \(4 principals, high\); nothing will be changed\n/,
    );
    assert.match(run.err, /\n {2}started dry-run\/\S+ on \S+ \(namespace default\)\n/);
    assert.match(run.err, /\n {2}finished in \d+\.\d s\n$/);
  });

  it('maps a GuardDuty finding with --source and rehearses it', async () => {
    const fixture = join(ROOT, 'client/sources/fixtures/guardduty/iam-user-access-key.json');
    const run = await cli('dry-run', '--source', 'guardduty', fixture);

    assert.equal(run.code, 1, run.err);
    assert.deepEqual(mutations(), { aws: {}, entra: {}, gcp: {}, workspace: {}, kubernetes: {} });
    assert.match(run.out, /^Dry run of guardduty\/52c8a1a0e4b5f6d7c8b9a0e1f2d3c4b5 \(medium\)/);
    assert.match(
      row(run.out, 'Deactivate access key AKIAALICE07EXAMPLE01'),
      /^access key AKIAALICE07EXAMPLE01 \(123456789012\) +aws +/,
    );
    for (const step of ['Deactivate access key', 'Delete access key', 'Deny the sessions of IAM user alice']) {
      assert.match(row(run.out, step), / approval +.+ would change /, step);
    }
    assert.doesNotMatch(run.out, /AKIAALICE07EXAMPLE02/, 'only the key GuardDuty named');
    assert.doesNotMatch(run.out, /deny-all/, 'a stolen key is not a compromised user');
  });

  for (const example of ['entra-consent-phishing.json', 'gcp-leaked-key.json', 'workspace-malicious-app.json']) {
    it(`rehearses examples/alerts/${example}: the sandbox identities it names are read, every step would change`, async () => {
      const run = await cli('dry-run', join(ROOT, 'examples/alerts', example), '--json');

      assert.equal(run.code, 1, run.err);
      const report = JSON.parse(run.out) as Report;
      assert.deepEqual(
        report.principals.map((p) => p.status),
        report.principals.map(() => 'examined'),
      );
      assert.ok(report.actions.length > 0);
      for (const record of report.actions) {
        assert.equal(record.preview?.changes, true, `${record.action.id}: ${JSON.stringify(record.error)}`);
      }
      assert.deepEqual(mutations(), { aws: {}, entra: {}, gcp: {}, workspace: {}, kubernetes: {} });
    });
  }

  it('with the production example policy, lists an allowlisted principal with its reason and four-eyes gates', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'revoker-dry-run-')), 'alert.json');
    writeFileSync(file, JSON.stringify(alertAbout([awsUser('alice'), awsUser('ci-deployer')], 'high')));
    const run = await cli('dry-run', file, '--policy', join(ROOT, 'examples/policies/production.yaml'));

    assert.equal(run.code, 1, run.err);
    assert.deepEqual(mutations(), { aws: {}, entra: {}, gcp: {}, workspace: {}, kubernetes: {} });
    assert.match(
      row(run.out, 'IAM user ci-deployer'),
      / aws +none: CI\/CD deployers: .+ allowlisted +no change +not contained/,
    );
    assert.doesNotMatch(run.out, /AKIACIDEPL7EXAMPLE01/, 'nothing is planned for the allowlisted user');
    assert.match(row(run.out, 'Delete access key AKIAALICE07EXAMPLE01'), / approval ×2 /);
    assert.match(
      run.out,
      /\nWould change: 5 of 5 steps \(2 only once approved\)\.\nAllowlisted: 1 principal, left alone\.\n$/,
    );
  });

  it('exits 0 when the alert has been contained already, and prints the report with --json', async () => {
    const alert = alertAbout([awsUser('alice')], 'medium');
    const handle = playbooks.handle((await h.start(alert)).workflowId);
    await waitForStatus(handle, settled);
    await approve(handle, { approver: 'sam@example.com', actions: 'all' });
    assert.equal((await result(handle)).state, 'Contained');
    const before = mutations();

    const run = await cli('dry-run', join(ROOT, 'examples/alerts/aws-compromised-user.json'));
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(row(run.out, 'Attach an explicit deny-all'), / no change +/);
    assert.match(run.out, /\nNothing would change: 1 of 1 steps already hold\.\n$/);

    const json = await cli('dry-run', join(ROOT, 'examples/alerts/aws-compromised-user.json'), '--json');
    assert.equal(json.code, 0, json.err);
    const report = JSON.parse(json.out) as Report;
    assert.equal(report.state, 'DryRun');
    assert.deepEqual(
      report.actions.map((r) => [r.action.kind, r.preview?.changes]),
      [['aws.denyUserSessions', false]],
    );
    assert.deepEqual(mutations(), before, 'the rehearsals after it changed nothing either');
  });

  it('ends a rehearsal that outlives --timeout and says so with exit 2', async () => {
    h.aws.injectFault({ action: 'ListAccessKeys', latencyMs: 3_000 });
    const run = await cli('dry-run', join(ROOT, 'examples/alerts/aws-compromised-user.json'), '--timeout', '0.5');
    h.aws.clearFaults();

    assert.equal(run.code, 2, run.out + run.err);
    assert.equal(run.out, '');
    assert.match(
      run.err,
      /revoker: the dry run dry-run\/\S+ did not finish within 0\.5 s, so it was ended: are Revoker's workers/,
    );
    const workflowId = /started (dry-run\/\S+) on /.exec(run.err)?.[1] ?? '';
    const { status } = await h.client.workflow.getHandle(workflowId).describe();
    assert.equal(status.name, 'TERMINATED');
    assert.deepEqual(mutations(), { aws: {}, entra: {}, gcp: {}, workspace: {}, kubernetes: {} });
  });
});
