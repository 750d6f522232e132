import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Alert } from './alert.js';
import { playbookWorkflowId } from './playbook-input.js';
import { Policy } from './policy.js';

const valid = {
  source: 'splunk',
  id: 'A-1',
  title: 'Stolen key',
  severity: 'high',
  observedAt: '2026-11-23T09:14:00Z',
  principals: [{ type: 'aws.user', accountId: '123456789012', userName: 'alice' }],
};

const paths = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  result.error?.issues.map((issue) => issue.path.join('.')) ?? [];

describe('Alert schema', () => {
  it('accepts the generic format', () => {
    assert.equal(Alert.safeParse(valid).success, true);
  });

  it('names each wrong field', () => {
    const result = Alert.safeParse({
      ...valid,
      severity: 'urgent',
      principals: [{ type: 'aws.user', accountId: '1234', userName: 'alice' }],
    });
    assert.deepEqual(paths(result).sort(), ['principals.0.accountId', 'severity']);
  });

  it('refuses temporary ASIA keys with advice, unknown principal types and unknown fields', () => {
    const asia = Alert.safeParse({
      ...valid,
      principals: [{ type: 'aws.accessKey', accountId: '123456789012', accessKeyId: 'ASIAAAAAAAAAAAAAAAAA' }],
    });
    assert.match(asia.error?.issues[0]?.message ?? '', /name the user or role/);
    assert.deepEqual(paths(Alert.safeParse({ ...valid, principals: [{ type: 'aws.group' }] })), ['principals.0.type']);
    assert.equal(Alert.safeParse({ ...valid, secret: 'x' }).success, false);
    assert.deepEqual(paths(Alert.safeParse({ ...valid, principals: [] })), ['principals']);
  });
});

describe('Alert schema: Entra and Google Cloud principals', () => {
  const TENANT = '8f3b5f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
  const withPrincipal = (principal: unknown) => Alert.safeParse({ ...valid, principals: [principal] });

  it('accepts users by id or UPN, apps by appId or objectId, service accounts and keys', () => {
    for (const principal of [
      { type: 'entra.user', tenantId: TENANT, user: 'adele@contoso.example' },
      { type: 'entra.user', tenantId: TENANT, user: TENANT },
      { type: 'entra.servicePrincipal', tenantId: TENANT, appId: TENANT },
      { type: 'entra.servicePrincipal', tenantId: TENANT, objectId: TENANT },
      { type: 'gcp.serviceAccount', projectId: 'acme-prod', email: 'etl-runner@acme-prod.iam.gserviceaccount.com' },
      {
        type: 'gcp.key',
        keyName:
          'projects/acme-prod/serviceAccounts/etl-runner@acme-prod.iam.gserviceaccount.com/keys/0123456789abcdef01',
      },
    ]) {
      assert.equal(withPrincipal(principal).success, true, JSON.stringify(principal));
    }
  });

  it('names what is wrong with an Entra or GCP principal', () => {
    assert.deepEqual(paths(withPrincipal({ type: 'entra.servicePrincipal', tenantId: TENANT })), [
      'principals.0.appId',
    ]);
    assert.deepEqual(paths(withPrincipal({ type: 'entra.user', tenantId: 'contoso', user: 'adele' })).sort(), [
      'principals.0.tenantId',
      'principals.0.user',
    ]);
    assert.deepEqual(paths(withPrincipal({ type: 'gcp.key', keyName: 'keys/1' })), ['principals.0.keyName']);
  });
});

describe('Policy schema', () => {
  it('fills defaults', () => {
    assert.deepEqual(Policy.parse({ version: 1 }), {
      version: 1,
      actions: {},
      approvalTimeout: '4h',
      allowlist: [],
      fourEyes: 1,
      onTimeout: {},
      releaseWindow: '24h',
    });
  });

  it('refuses a destructive step that would proceed on timeout, and approver groups that do not exist', () => {
    const result = Policy.safeParse({
      version: 1,
      onTimeout: { 'aws.deleteAccessKey': 'proceed', 'aws.deactivateAccessKey': 'proceed' },
      approvers: { groups: { soc: ['sam@example.com'] }, default: ['soc', 'ghosts'] },
    });
    assert.deepEqual(paths(result).sort(), ['approvers.default.1', 'onTimeout.aws.deleteAccessKey']);
  });

  it('refuses automatic destructive steps and malformed durations', () => {
    const result = Policy.safeParse({
      version: 1,
      actions: { 'aws.deleteAccessKey': { critical: 'auto' } },
      approvalTimeout: 'soon',
    });
    assert.deepEqual(paths(result).sort(), ['actions.aws.deleteAccessKey', 'approvalTimeout']);
  });
});

describe('playbookWorkflowId', () => {
  it('derives the id from the principals, in any order', () => {
    const alice = { type: 'aws.user', accountId: '123456789012', userName: 'alice' } as const;
    const deploy = { type: 'aws.role', accountId: '123456789012', roleName: 'deploy' } as const;
    assert.equal(playbookWorkflowId([alice]), 'contain/aws/123456789012/user/alice');
    assert.equal(playbookWorkflowId([deploy, alice]), playbookWorkflowId([alice, deploy, alice]));
  });

  it('hashes long principal lists to a bounded id', () => {
    const many = Array.from({ length: 20 }, (_, i) => ({
      type: 'aws.user' as const,
      accountId: '123456789012',
      userName: `user-with-a-rather-long-name-${i}`,
    }));
    const id = playbookWorkflowId(many);
    assert.match(id, /^contain\/many\/20\/[0-9a-f]{16}$/);
    assert.equal(id, playbookWorkflowId([...many].reverse()));
  });
});
