import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectDoctorGateway } from '../../client/cli/doctor.js';
import { PROGRAM, runCli } from '../../client/cli/program.js';
import { connectGateway } from '../../client/cli/temporal-gateway.js';
import { DoctorReport } from '../../domain/doctor.js';
import type { Harness } from '../harness.js';
import { useSandbox } from './helpers.js';

/** `revoker doctor` as a platform team runs it: the real CLI, the dev server, the workers and the sandbox clouds. */
describe('revoker doctor on a real Temporal server', () => {
  let h: Harness;
  useSandbox((ready) => (h = ready));
  const cli = async (...args: string[]) => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    process.env.TEMPORAL_ADDRESS = h.env.address;
    const code = await runCli(['doctor', ...args], {
      connect: () => connectGateway(PROGRAM),
      connectDoctor: () => connectDoctorGateway(PROGRAM),
      stdout: (text) => stdout.push(text),
      stderr: (text) => stderr.push(text),
      env: {},
    });
    return { code, out: stdout.join(''), err: stderr.join('') };
  };
  const writes = () =>
    h.aws.mutations().log.length +
    h.entra.mutations().log.length +
    h.gcp.mutations().log.length +
    h.kubernetes.mutations().log.length;

  it('finds the sandbox account and tenant reachable with every permission, and changes nothing', async () => {
    const run = await cli();
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /^aws +123456789012 +ok +arn:aws:iam::123456789012:user\/revoker-responder +–$/m);
    assert.match(run.out, new RegExp(`^entra +${h.entra.tenantId} +ok +revoker-responder .*–$`, 'm'));
    assert.match(run.out, /gcp: nothing listed to check/);
    // The stack serves the Kubernetes sandbox: its cluster, as Revoker's least-privilege identity.
    assert.match(run.out, /^kubernetes +sandbox +ok +revoker +–$/m);
    assert.match(run.out, /^ready: /m);
    assert.equal(writes(), 0, 'the check wrote nothing');
  });

  it('names a permission the responder lost, and exits 1; --json gives the same report', async () => {
    const seed = structuredClone(h.seed);
    const responder = seed.users.find((u) => u.userName === 'revoker-responder');
    // Its IAM policy, not the hub policy beside it (sts:AssumeRole on the member roles).
    const policy = responder?.inlinePolicies?.['RevokerContainmentLeastPrivilege'] as {
      Statement: { Action: string[] }[];
    };
    for (const statement of policy.Statement) {
      statement.Action = statement.Action.filter((a) => a !== 'iam:DeleteAccessKey');
    }
    h.aws.reset(seed);
    const run = await cli();
    assert.equal(run.code, 1);
    assert.match(run.out, /^aws +123456789012 +ok +\S+ +1$/m);
    assert.match(run.out, /aws 123456789012 lacks:\n {2}iam:DeleteAccessKey: /);
    assert.match(run.out, /^not ready: /m);

    const json = await cli('--json');
    assert.equal(json.code, 1);
    const report = DoctorReport.parse(JSON.parse(json.out));
    assert.deepEqual(
      report.checks.map((c) => [c.cloud, c.reachable, c.missing.map((m) => m.split(':').slice(0, 2).join(':'))]),
      [
        ['aws', true, ['iam:DeleteAccessKey']],
        ['entra', true, []],
        // The stack runs Workspace and Kubernetes workers, so the CLI asks for them too.
        ['workspace', true, []],
        ['kubernetes', true, []],
      ],
    );
    assert.deepEqual(report.unanswered, []);
    assert.equal(writes(), 0);
  });

  it('refuses a bad --wait with what to give', async () => {
    const run = await cli('--wait', 'soon');
    assert.equal(run.code, 2);
    assert.match(run.err, /--wait.*give a number of seconds/);
  });
});
