import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ACTION_KINDS, type ActionKind } from '../../domain/action.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import type { Report } from '../../domain/report.js';
import { ROOT } from '../../scripts/bootstrap.mjs';
import { CliError } from './cli-error.js';
import { DRY_RUN_EXIT, dryRunExitCode } from './commands.js';
import type { DryRunGateway, DryRunRequest } from './dry-run-gateway.js';
import { dryRunRows, formatDryRun, formatDryRunProgress, SHORT_RESIDUAL_RISK } from './format.js';
import { runCli } from './program.js';
import { KEY, rehearsal, withOthers } from './status-fixture.js';
import type { ClosableGateway } from './temporal-gateway.js';

const ALERT_FILE = join(ROOT, 'examples/alerts/aws-compromised-user.json');

/** Rows as the table prints them, with the cells' whitespace collapsed (cells wrap). */
function rowOf(text: string, fragment: string): string {
  return text.split('\n').find((line) => line.includes(fragment)) ?? '';
}

describe('formatDryRun', () => {
  it('heads the plan with the alert, the policy and the rehearsal, then a table with the columns a responder reads', () => {
    const text = formatDryRun(rehearsal(), { policy: 'built-in default' });
    const lines = text.split('\n');
    assert.equal(
      lines[0],
      "Dry run of splunk/tour-0001 (medium): GetFederationToken from an unfamiliar ASN with alice's access key",
    );
    assert.match(lines[1] ?? '', /^ {2}policy +built-in default$/);
    assert.match(
      lines[2] ?? '',
      /^ {2}rehearsal +dry-run\/aws\/123456789012\/user\/alice\/test \(nothing was changed\)$/,
    );
    assert.match(lines[4] ?? '', /^PRINCIPAL +PROVIDER +ACTION +MODE +CURRENT STATE +EXPECTED EFFECT +RESIDUAL RISK$/);
  });

  it('gives each step its provider, description, mode, current state, expected effect and short residual risk', () => {
    const text = formatDryRun(rehearsal(), { policy: 'default' });
    const deactivate = rowOf(text, `Deactivate access key ${KEY}`);
    assert.match(
      deactivate,
      /^IAM user alice \(123456789012\) +aws +Deactivate access key \S+ of IAM user alice in 123456789012 +approval +/,
    );
    assert.match(
      deactivate,
      / ListAccessKeys for alice shows \S+ Active +would change +STS sessions minted from the key live until they expire$/,
    );
    const header = text.split('\n')[4] ?? '';
    assert.equal(deactivate.indexOf(' approval '), header.indexOf(' MODE'), 'the columns line up');
    assert.match(rowOf(text, `Delete access key ${KEY}`), /^ +aws +/, 'the principal is named on its first row only');
    assert.match(text, /\nWould change: 3 of 3 steps \(3 only once approved\)\.$/);
  });

  it('says "no change" for steps whose end state already holds, and that nothing would change', () => {
    const text = formatDryRun(rehearsal({ keyActive: false, denyInPlace: true }), { policy: 'default' });
    assert.match(
      rowOf(text, 'Attach an explicit deny-all'),
      / GetUserPolicy RevokerContainment on alice .* +no change +/,
    );
    assert.match(text, /\nNothing would change: 3 of 3 steps already hold\.$/);
  });

  it('lists an allowlisted principal with the reason, and one triage could not read with its error', () => {
    const text = formatDryRun(withOthers(rehearsal()), { policy: 'default' });
    assert.match(
      rowOf(text, 'IAM user ci-deployer'),
      /^IAM user ci-deployer \(123456789012\) +aws +none: CI\/CD deployers use keys from new runners +allowlisted +no change +not contained$/,
    );
    assert.match(
      rowOf(text, 'IAM user bob'),
      /^IAM user bob \(123456789012\) +aws +none: could not examine it +error: NoSuchEntity: The user/,
    );
    assert.match(text, /\nCould not read 1 principal \(see EXPECTED EFFECT\): the real run would try again/);
    assert.match(text, /\nAllowlisted: 1 principal, left alone\.$/);
  });

  it('shows a failed read as an error, and a step the policy skips as no change', () => {
    const report = rehearsal();
    const [first, second] = report.actions;
    if (!first || !second) throw new Error('the fixture plans three steps');
    Object.assign(first, {
      status: 'failed',
      preview: undefined,
      error: { type: 'AccessDenied', message: 'no iam:ListAccessKeys' },
    });
    Object.assign(second, { status: 'skipped', preview: undefined, note: 'skipped by policy' });
    second.action = { ...second.action, mode: 'skip' };
    const rows = dryRunRows(report);
    assert.deepEqual(
      rows.map((row) => [row[3], row[5]]),
      [
        ['approval', 'error: AccessDenied: no iam:ListAccessKeys'],
        ['skip', 'no change (skipped by policy)'],
        ['approval', 'would change'],
      ],
    );
    assert.match(formatDryRun(report, { policy: 'x' }), /\nCould not read 1 step \(see EXPECTED EFFECT\)/);
  });

  it('marks destructive steps that need several approvers when the policy asks for four eyes', () => {
    const rows = dryRunRows(rehearsal(), { fourEyes: 2 });
    assert.deepEqual(
      rows.map((row) => row[3]),
      ['approval', 'approval ×2', 'approval'],
      'only the deletion is destructive',
    );
  });

  it('has a short residual risk for every kind of step', () => {
    for (const kind of Object.keys(ACTION_KINDS) as ActionKind[]) {
      assert.ok(SHORT_RESIDUAL_RISK[kind].length <= 64, `${kind}: "${SHORT_RESIDUAL_RISK[kind]}" is not short`);
    }
  });
});

describe('formatDryRunProgress', () => {
  it('counts principals during triage, then targets read', () => {
    const triage = { ...rehearsal(), actions: [] };
    triage.principals = [
      { key: 'aws/123456789012/user/alice', label: 'alice', status: 'examined' },
      { key: 'aws/123456789012/user/bob', label: 'bob', status: 'discovering' },
    ];
    assert.equal(formatDryRunProgress(triage), '  triage: 1 of 2 principals read');
    const reading = rehearsal();
    const [first] = reading.actions;
    if (first) Object.assign(first, { status: 'planned', preview: undefined });
    assert.equal(formatDryRunProgress(reading), '  planned 3 steps; read 2 of 3 targets');
  });
});

describe('dryRunExitCode', () => {
  it('is 1 when something would change, 0 when nothing would', () => {
    assert.equal(dryRunExitCode(rehearsal()), DRY_RUN_EXIT.wouldChange);
    assert.equal(dryRunExitCode(rehearsal({ keyActive: false, denyInPlace: true })), DRY_RUN_EXIT.nothingWouldChange);
    assert.deepEqual(DRY_RUN_EXIT, { nothingWouldChange: 0, wouldChange: 1, couldNotAsk: 2 });
  });

  it('is 1 when a target or principal could not be read, since nothing is then not known', () => {
    const contained = rehearsal({ keyActive: false, denyInPlace: true });
    assert.equal(dryRunExitCode(withOthers(contained)), 1);
    const onlyAllowlisted = withOthers(contained);
    onlyAllowlisted.principals = onlyAllowlisted.principals.filter((p) => p.status !== 'failed');
    assert.equal(dryRunExitCode(onlyAllowlisted), 0, 'an allowlisted principal changes nothing');
  });
});

describe('revoker dry-run', () => {
  /** The CLI with a stand-in Temporal that answers the dry run with `report` and records what it was asked. */
  function cli(report: Report | Error = rehearsal(), env: Record<string, string> = {}) {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const requests: DryRunRequest[] = [];
    let connects = 0;
    let closes = 0;
    const gateway: DryRunGateway = {
      where: 'localhost:7233 (namespace default)',
      dryRun: (request) => {
        requests.push(request);
        request.onStarted(report instanceof Error ? 'dry-run/x' : report.workflowId);
        if (report instanceof Error) return Promise.reject(report);
        request.onStatus({ ...report, actions: [], principals: [{ ...report.principals[0]!, status: 'discovering' }] });
        request.onStatus({ ...report, actions: [], principals: [{ ...report.principals[0]!, status: 'discovering' }] });
        request.onStatus(report);
        return Promise.resolve(report);
      },
      close: () => {
        closes++;
        return Promise.resolve();
      },
    };
    const run = (...args: string[]) =>
      runCli(args, {
        connect: () => Promise.reject<ClosableGateway>(new Error('dry-run must not use the playbook gateway')),
        connectDryRun: () => {
          connects++;
          return Promise.resolve(gateway);
        },
        stdout: (text) => stdout.push(text),
        stderr: (text) => stderr.push(text),
        env,
        now: () => 1_000 * connects,
      });
    return {
      run,
      requests,
      out: () => stdout.join(''),
      err: () => stderr.join(''),
      connects: () => connects,
      closes: () => closes,
    };
  }

  const tempFile = (name: string, text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'revoker-cli-')), name);
    writeFileSync(path, text);
    return path;
  };

  it('rehearses with the built-in default policy, prints the table on stdout and progress on stderr, and exits 1', async () => {
    const c = cli();
    assert.equal(await c.run('dry-run', ALERT_FILE), 1);
    assert.equal(c.requests.length, 1);
    const [request] = c.requests;
    assert.deepEqual(request?.policy, DEFAULT_POLICY);
    assert.equal(request?.alert.id, 'tour-0001');
    assert.equal(request?.timeoutMs, 120_000);
    assert.equal(request?.uiBaseUrl, 'http://localhost:8233');
    assert.match(c.out(), /^Dry run of splunk\/tour-0001 \(medium\)/);
    assert.match(c.out(), /policy +built-in default \(as `npm start`\)/);
    assert.deepEqual(c.err().split('\n'), [
      'revoker: dry run of splunk/tour-0001 (1 principal, medium); nothing will be changed',
      '  started dry-run/aws/123456789012/user/alice/test on localhost:7233 (namespace default)',
      '  triage: 0 of 1 principals read',
      '  planned 3 steps; read 3 of 3 targets',
      '  finished in 0.0 s',
      '',
    ]);
    assert.equal(c.closes(), 1);
  });

  it('exits 0 when nothing would change', async () => {
    const c = cli(rehearsal({ keyActive: false, denyInPlace: true }));
    assert.equal(await c.run('dry-run', ALERT_FILE), 0);
    assert.match(c.out(), /Nothing would change/);
  });

  it('prints the report as JSON with --json', async () => {
    const c = cli();
    assert.equal(await c.run('dry-run', ALERT_FILE, '--json'), 1);
    assert.deepEqual(JSON.parse(c.out()) as Report, rehearsal());
  });

  it('plans with the --policy file, --timeout and REVOKER_UI_URL', async () => {
    const c = cli(rehearsal(), { REVOKER_UI_URL: 'https://temporal.example.com' });
    const policy = join(ROOT, 'examples/policies/strict.yaml');
    assert.equal(await c.run('dry-run', ALERT_FILE, '--policy', policy, '--timeout', '30'), 1);
    assert.equal(c.requests[0]?.policy.actions['aws.deactivateAccessKey'], 'approval');
    assert.equal(c.requests[0]?.policy.fourEyes, 2);
    assert.equal(c.requests[0]?.timeoutMs, 30_000);
    assert.equal(c.requests[0]?.uiBaseUrl, 'https://temporal.example.com');
    assert.match(c.out(), new RegExp(`policy +${policy.replace(/[.]/g, '\\.')}\n`));
  });

  it('says when REVOKER_POLICY_FILE is set but not used', async () => {
    const c = cli(rehearsal(), { REVOKER_POLICY_FILE: '/etc/revoker/policy.yaml' });
    assert.equal(await c.run('dry-run', ALERT_FILE), 1);
    assert.match(
      c.err(),
      /note: planning with the built-in default policy, not REVOKER_POLICY_FILE: pass --policy \/etc\/revoker\/policy\.yaml/,
    );
  });

  it('maps a native payload with --source', async () => {
    const c = cli();
    const fixture = join(ROOT, 'client/sources/fixtures/guardduty/iam-user-access-key.json');
    assert.equal(await c.run('dry-run', fixture, '--source', 'guardduty'), 1);
    assert.equal(c.requests[0]?.alert.source, 'guardduty');
    assert.deepEqual(c.requests[0]?.alert.principals, [
      { type: 'aws.accessKey', accountId: '123456789012', accessKeyId: 'AKIAALICE07EXAMPLE01' },
    ]);
  });

  it('refuses, with exit 2 and before connecting, an unknown source, a bad alert file or a bad policy', async () => {
    const c = cli();
    assert.equal(await c.run('dry-run', ALERT_FILE, '--source', 'qradar'), 2);
    assert.match(c.err(), /argument 'qradar' is invalid\. Allowed choices are generic, guardduty, /);

    const root = join(ROOT, 'client/sources/fixtures/guardduty/root-credential-usage.json');
    assert.equal(await c.run('dry-run', root, '--source', 'guardduty'), 2);
    assert.match(
      c.err(),
      /nothing in this Amazon GuardDuty alert can be contained:\n {2}- detail\.resource\.accessKeyDetails\.userType: /,
    );

    const policy = tempFile('policy.yaml', 'version: 1\nactions:\n  aws.deleteAccessKey: auto\n');
    assert.equal(await c.run('dry-run', ALERT_FILE, '--policy', policy), 2);
    assert.match(
      c.err(),
      /policy file \S+ is invalid:\n {2}- actions\.aws\.deleteAccessKey \(line 3\): aws\.deleteAccessKey is destructive/,
    );

    assert.equal(await c.run('dry-run', join(ROOT, 'no-such-alert.json')), 2);
    assert.match(c.err(), /cannot read alert file \S+no-such-alert\.json: ENOENT/);
    assert.equal(await c.run('dry-run'), 2);
    assert.match(c.err(), /missing required argument 'alert.json'/);
    assert.equal(c.connects(), 0);
  });

  it('prints a refusal from Temporal (unreachable, no workers) as one line with exit 2, and closes', async () => {
    const c = cli(
      new CliError('Temporal at localhost:7233 answers, but no worker polls revoker-playbooks', 2, 'unreachable'),
    );
    assert.equal(await c.run('dry-run', ALERT_FILE), 2);
    assert.match(c.err(), /\nrevoker: Temporal at localhost:7233 answers, but no worker polls revoker-playbooks\n$/);
    assert.equal(c.out(), '');
    assert.equal(c.closes(), 1);
  });
});
