// One deployment, many accounts and tenants: the workers' topology lists three AWS accounts of the sandbox
// organisation (the hub's own, direct; two members reached by AssumeRole, one under its own role name and
// ExternalId) plus one whose responder role will not trust the hub, two Entra tenants served by one
// multi-tenant responder app, and three Google Cloud projects of one organisation: the responder's own, one reached
// through a folder's grant, and one where it holds nothing. A stack of its own (not the shared e2e harness): the topology is the workers'
// configuration.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startPlaybook } from '../client/start-playbook.js';
import { SOURCES } from '../client/sources/index.js';
import { formatDoctor } from '../client/cli/doctor.js';
import { loadTopologyFile } from '../connect/topology-file.js';
import { DoctorReport } from '../domain/doctor.js';
import type { Alert } from '../domain/alert.js';
import type { Principal } from '../domain/principal.js';
import type { Report } from '../domain/report.js';
import { organisationSeeds, type AwsSeed } from '../simulators/aws/index.js';
import { ENTRA_SANDBOX, loadEntraSeed, SECOND_TENANT_SEED_PATH } from '../simulators/entra/index.js';
import { GCP_ORGANISATION, GCP_SANDBOX, organisationSeeds as gcpOrganisationSeeds } from '../simulators/gcp/index.js';
import { loadSeeds } from '../testing/inputs.js';
import { TEST_POLICY, TEST_SETTINGS } from '../testing/settings.js';
import { startStack, type Stack } from '../testing/stack.js';
import { alertAbout } from './e2e/helpers.js';

const HUB = '123456789012';
const WORKLOADS = '210987654321';
const LEGACY = '345678901234';
/** Listed, and served, but its responder role requires an ExternalId the topology does not give. */
const STAGING = '456789012345';
const UNLISTED_ACCOUNT = '567890123456';
const FABRIKAM = '4f6c2a9e-3b71-4d5e-9a08-c2e1f7b3d654';
const DIEGO = '9d2e4b61-7c3a-4f85-b0e9-1a6d5c8f2e47';
const UNLISTED_TENANT = '0d6e1c35-8a42-4f7b-9e61-3c2b5a7d8f90';
/** Reached through the analytics folder's grant. */
const DATA = GCP_ORGANISATION.data;
/** Listed, but the responder holds nothing there. */
const LAB = GCP_ORGANISATION.lab;

/** acme-staging: a member whose responder role was deployed with another ExternalId than the topology's. */
function stagingSeed(): AwsSeed {
  const [workloads] = organisationSeeds();
  const role = structuredClone(workloads?.roles.find((r) => r.roleName === 'RevokerResponder'));
  if (!role) throw new Error('the workloads fixture has no RevokerResponder');
  role.assumeRolePolicy = JSON.parse(
    JSON.stringify(role.assumeRolePolicy).replace('revoker-sandbox', 'staging-2024'),
  ) as typeof role.assumeRolePolicy;
  delete role.roleId;
  return {
    accountId: STAGING,
    users: [{ userName: 'dave', accessKeys: [] }],
    roles: [role],
  };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('one deployment, many AWS accounts, Entra tenants and Google Cloud projects', () => {
  const dir = mkdtempSync(join(tmpdir(), 'revoker-topology-'));
  const file = join(dir, 'topology.yaml');
  writeFileSync(
    file,
    [
      'version: 1',
      'aws:',
      '  roleName: RevokerResponder',
      '  externalId: revoker-sandbox',
      '  accounts:',
      `    - id: '${HUB}'`,
      '      name: security-hub',
      '      access: direct',
      `    - id: '${WORKLOADS}'`,
      '      name: acme-workloads',
      `    - id: '${LEGACY}'`,
      '      name: acme-legacy',
      '      roleName: LegacyResponder',
      '      externalId: legacy-responder',
      `    - id: '${STAGING}'`,
      '      name: acme-staging',
      'entra:',
      '  tenants:',
      `    - id: ${ENTRA_SANDBOX.tenantId}`,
      '      name: contoso',
      `    - id: ${FABRIKAM}`,
      '      name: fabrikam',
      'gcp:',
      '  projects:',
      `    - id: ${GCP_SANDBOX.projectId}`,
      '      name: production',
      `    - id: ${DATA.projectId}`,
      '      name: data',
      `    - id: ${LAB.projectId}`,
      '      name: lab',
      '',
    ].join('\n'),
  );
  let stack: Stack;
  before(async () => {
    stack = await startStack(loadSeeds(), {
      topology: loadTopologyFile(file),
      entraTenants: [loadEntraSeed(SECOND_TENANT_SEED_PATH)],
      awsAccounts: [...organisationSeeds(), stagingSeed()],
      gcpOrganisation: gcpOrganisationSeeds(),
    });
  });
  after(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const runAlert = async (alert: Alert) => {
    const { workflowId } = await startPlaybook(stack.client, alert, {
      policy: {
        ...TEST_POLICY,
        actions: {
          ...TEST_POLICY.actions,
          'entra.disableUser': 'auto',
          'entra.revokeUserSessions': 'auto',
          'aws.deleteAccessKey': 'skip',
          'gcp.deleteKey': 'skip',
          'gcp.disableServiceAccount': 'skip',
        },
      },
      settings: TEST_SETTINGS,
      uiBaseUrl: 'http://localhost:8233',
    });
    return (await stack.client.workflow.getHandle(workflowId).result()) as Report;
  };
  const run = (principals: Principal[]) => runAlert(alertAbout(principals, 'high'));
  const steps = (report: Report) => JSON.stringify(report.actions.map((r) => [r.action.id, r.status, r.error]));
  const assumed = (account: string) => stack.aws.mutations(account).counts['AssumeRole'] ?? 0;

  it('contains principals in two AWS accounts, two tenants and two projects in one alert, each with its own credentials', async () => {
    // A throttled first AssumeRole into acme-legacy is retried like any throttled call.
    stack.aws.injectFault({ account: HUB, action: 'AssumeRole', code: 'Throttling', times: 2 });
    const report = await run([
      { type: 'aws.user', accountId: HUB, userName: 'alice' },
      { type: 'aws.user', accountId: LEGACY, userName: 'carol' },
      { type: 'entra.user', tenantId: ENTRA_SANDBOX.tenantId, user: ENTRA_SANDBOX.compromisedUser.id },
      { type: 'entra.user', tenantId: FABRIKAM, user: DIEGO },
      { type: 'gcp.key', keyName: GCP_SANDBOX.compromised.stolenKeyName },
      { type: 'gcp.key', keyName: DATA.pipeline.stolenKeyName },
    ]);
    assert.equal(report.state, 'Contained', steps(report));
    // acme-data through the folder's grant; each project changed only in itself.
    const disabled = (project: string) => stack.gcp.mutations(project).log.map((e) => e.target);
    assert.deepEqual(disabled(DATA.projectId), [DATA.pipeline.stolenKeyName]);
    assert.deepEqual(disabled(GCP_SANDBOX.projectId), [GCP_SANDBOX.compromised.stolenKeyName]);
    assert.deepEqual(stack.gcp.mutations(LAB.projectId).log, []);
    assert.equal(((await (await fetch(`${stack.aws.endpoint}/_sim/faults`)).json()) as unknown[]).length, 0);

    // Each account was changed only in itself, by the session of its own responder role.
    assert.ok('RevokerContainment' in stack.aws.userPolicies('alice'), 'alice denied in the hub');
    assert.ok('RevokerContainment' in stack.aws.userPolicies('carol', LEGACY), 'carol denied in acme-legacy');
    assert.equal(stack.aws.accessKey('AKIACAROL7EXAMPLE01A')?.status, 'Inactive');
    assert.equal(assumed(HUB), 0, 'the hub is reached directly');
    assert.equal(assumed(LEGACY), 1, 'one session for every step in acme-legacy');
    assert.deepEqual(stack.aws.mutations(WORKLOADS).counts, {}, 'an account the alert does not name is untouched');
    assert.ok(
      stack.aws
        .mutations(LEGACY)
        .log.filter((e) => e.action !== 'AssumeRole')
        .every((e) => /carol/i.test(e.target)),
      'only carol is changed in acme-legacy',
    );

    const targets = (tenant?: string) => stack.entra.mutations(tenant).log.map((e) => `${e.operation} ${e.target}`);
    assert.ok(
      targets(FABRIKAM).some((t) => t.endsWith(DIEGO)),
      'diego was acted on in fabrikam',
    );
    assert.ok(!targets(FABRIKAM).some((t) => t.endsWith(ENTRA_SANDBOX.compromisedUser.id)), 'no contoso user there');
    assert.ok(
      targets().some((t) => t.endsWith(ENTRA_SANDBOX.compromisedUser.id)),
      'adele was acted on in contoso',
    );
    assert.ok(!targets().some((t) => t.endsWith(DIEGO)), 'no fabrikam user in contoso');
    assert.ok(stack.entra.mutations(FABRIKAM).tokens.issued.client_credentials, 'fabrikam issued the token used there');
  });

  it('contains a GuardDuty finding from a member account, as its delegated administrator receives it', async () => {
    const body = JSON.parse(
      readFileSync(
        join(import.meta.dirname, '../client/sources/fixtures/guardduty/member-account-access-key.json'),
        'utf8',
      ),
    ) as unknown;
    const guardduty = SOURCES.get('guardduty');
    assert.ok(guardduty);
    const alert = guardduty.toAlert(guardduty.schema.parse(body));
    assert.deepEqual(alert.principals, [
      { type: 'aws.accessKey', accountId: WORKLOADS, accessKeyId: 'AKIABOB0007EXAMPLE01' },
    ]);
    const report = await runAlert(alert);
    assert.equal(report.state, 'Contained', steps(report));
    assert.equal(stack.aws.accessKey('AKIABOB0007EXAMPLE01')?.status, 'Inactive');
    assert.equal(assumed(WORKLOADS), 1);
  });

  it('an assumed session AWS ends early is assumed again, and the incident is still contained', async () => {
    const before = assumed(WORKLOADS);
    assert.ok(stack.aws.expireSessions(WORKLOADS) >= 1, 'the worker holds a cached session for acme-workloads');
    const report = await run([{ type: 'aws.role', accountId: WORKLOADS, roleName: 'data-pipeline' }]);
    assert.equal(report.state, 'Contained', steps(report));
    assert.equal(assumed(WORKLOADS), before + 1, 'assumed once more, not per step');
    assert.ok('AWSRevokeOlderSessions' in stack.aws.rolePolicies('data-pipeline', WORKLOADS));
  });

  it('a listed project where the identity holds no grant fails, naming the permission, and changes nothing', async () => {
    const report = await run([{ type: 'gcp.key', keyName: LAB.experiment.keyName }]);
    assert.notEqual(report.state, 'Contained');
    const failure = [...report.principals.map((p) => p.error), ...report.actions.map((a) => a.error)].find(Boolean);
    assert.equal(failure?.type, 'PermissionDeniedError', steps(report));
    assert.match(failure?.message ?? '', /Permission iam\.serviceAccount(Key)?s\.\w+ is required .*acme-lab/);
    assert.match(failure?.message ?? '', /on this project or a folder or organisation above it/);
    assert.deepEqual(stack.gcp.mutations(LAB.projectId).log, []);
  });

  it('a member role that will not trust the hub fails its steps, naming the role, the ExternalId, the file and the line', async () => {
    const report = await run([{ type: 'aws.user', accountId: STAGING, userName: 'dave' }]);
    assert.notEqual(report.state, 'Contained');
    const failure = [...report.principals.map((p) => p.error), ...report.actions.map((a) => a.error)].find(Boolean);
    assert.equal(failure?.type, 'PermissionDeniedError', steps(report));
    assert.match(failure?.message ?? '', /cannot assume arn:aws:iam::456789012345:role\/RevokerResponder/);
    assert.match(failure?.message ?? '', new RegExp(`${escape(file)} line 15`));
    assert.match(failure?.message ?? '', /sts:ExternalId "revoker-sandbox"/);
    assert.deepEqual(stack.aws.mutations(STAGING).counts, {});
  });

  it('revoker doctor reports every listed account, tenant and project, and what each lacks', async () => {
    const report = DoctorReport.parse(
      await stack.client.workflow.execute('doctor', {
        taskQueue: 'revoker-playbooks',
        workflowId: `doctor-${Date.now()}`,
        args: [{ waitForWorkerSeconds: 30 }],
      }),
    );
    const verdict = (c: DoctorReport['checks'][number]) =>
      `${c.cloud} ${c.id} ${c.reachable ? 'ok' : 'NO'}${c.missing.length ? ' missing' : ''}`;
    assert.deepEqual(report.checks.map(verdict), [
      `aws ${HUB} ok`,
      `aws ${WORKLOADS} ok`,
      `aws ${LEGACY} ok`,
      `aws ${STAGING} NO`,
      `entra ${ENTRA_SANDBOX.tenantId} ok`,
      `entra ${FABRIKAM} ok`,
      `gcp ${GCP_SANDBOX.projectId} ok`,
      `gcp ${DATA.projectId} ok`,
      `gcp ${LAB.projectId} ok missing`,
    ]);
    const text = formatDoctor(report);
    assert.match(text, /aws 456789012345: .*cannot assume arn:aws:iam::456789012345:role\/RevokerResponder/);
    assert.match(text, /gcp acme-lab lacks:\n {2}iam\.serviceAccount/);
    assert.match(text, /not ready: 2 of 9 listed targets/);
  });

  it('refuses an account or tenant the topology does not list, naming the file and the line to add, and changes nothing', async () => {
    const changes = () =>
      stack.aws.mutations('all').log.length +
      stack.entra.mutations().log.length +
      stack.entra.mutations(FABRIKAM).log.length;
    const before = changes();
    const report = await run([
      { type: 'aws.user', accountId: UNLISTED_ACCOUNT, userName: 'alice' },
      { type: 'entra.user', tenantId: UNLISTED_TENANT, user: DIEGO },
    ]);
    assert.equal(report.state, 'NotContained');
    const [aws, entra] = report.principals.map((p) => p.error?.message ?? '');
    assert.match(aws ?? '', new RegExp(`${UNLISTED_ACCOUNT}.*not in the topology`));
    assert.match(aws ?? '', new RegExp(`aws\\.accounts in ${escape(file)} after line \\d+`));
    assert.match(entra ?? '', new RegExp(`${UNLISTED_TENANT}.*not in the topology`));
    assert.match(entra ?? '', new RegExp(`entra\\.tenants in ${escape(file)} after line \\d+`));
    assert.equal(changes(), before);
  });
});
