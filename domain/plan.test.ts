import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AwsUserDiscovery, KubernetesServiceAccountDiscovery } from './discovery.js';
import { planActions } from './plan.js';
import { DEFAULT_POLICY, type Policy } from './policy.js';

const alice: AwsUserDiscovery = {
  type: 'aws.user',
  accountId: '123456789012',
  userName: 'alice',
  accessKeys: [
    { accessKeyId: 'AKIAAAAAAAAAAAAAAAA1', status: 'Active' },
    { accessKeyId: 'AKIAAAAAAAAAAAAAAAA2', status: 'Inactive' },
  ],
};
const user = (discovery: AwsUserDiscovery) => ({ principal: 'aws/123456789012/user/alice', discovery });

describe('planActions', () => {
  it('deactivates and then deletes every key of a user and denies its sessions', () => {
    const actions = planActions({ severity: 'medium', policy: DEFAULT_POLICY, discoveries: [user(alice)] });
    assert.deepEqual(
      actions.map((a) => [a.id, a.mode, a.dependsOn]),
      [
        ['aws:deactivate-key:AKIAAAAAAAAAAAAAAAA1', 'approval', []],
        ['aws:delete-key:AKIAAAAAAAAAAAAAAAA1', 'approval', ['aws:deactivate-key:AKIAAAAAAAAAAAAAAAA1']],
        ['aws:deactivate-key:AKIAAAAAAAAAAAAAAAA2', 'approval', []],
        ['aws:delete-key:AKIAAAAAAAAAAAAAAAA2', 'approval', ['aws:deactivate-key:AKIAAAAAAAAAAAAAAAA2']],
        ['aws:deny-user-sessions:123456789012/alice', 'approval', []],
      ],
    );
    assert.ok(actions.every((a) => a.principal === 'aws/123456789012/user/alice'));
  });

  it('runs reversible containment automatically for high and critical alerts but never deletion', () => {
    for (const severity of ['high', 'critical'] as const) {
      const modes = planActions({ severity, policy: DEFAULT_POLICY, discoveries: [user(alice)] }).map((a) => [
        a.kind,
        a.mode,
      ]);
      assert.deepEqual(
        new Set(modes.map(([kind, mode]) => `${kind}=${mode}`)),
        new Set(['aws.deactivateAccessKey=auto', 'aws.deleteAccessKey=approval', 'aws.denyUserSessions=auto']),
      );
    }
  });

  it('contains only the named key when the alert names an access key', () => {
    const actions = planActions({
      severity: 'high',
      policy: DEFAULT_POLICY,
      discoveries: [user({ ...alice, focusAccessKeyId: 'AKIAAAAAAAAAAAAAAAA2' })],
    });
    assert.deepEqual(
      actions.map((a) => a.id),
      [
        'aws:deactivate-key:AKIAAAAAAAAAAAAAAAA2',
        'aws:delete-key:AKIAAAAAAAAAAAAAAAA2',
        'aws:revoke-user-sessions:123456789012/alice',
      ],
      'the key and the sessions minted before containment, not a deny-all on the user',
    );
  });

  it('plans one action when two principals lead to the same step', () => {
    const actions = planActions({
      severity: 'high',
      policy: DEFAULT_POLICY,
      discoveries: [
        user(alice),
        {
          principal: 'aws/123456789012/access-key/AKIAAAAAAAAAAAAAAAA1',
          discovery: { ...alice, focusAccessKeyId: 'AKIAAAAAAAAAAAAAAAA1' },
        },
      ],
    });
    assert.equal(new Set(actions.map((a) => a.id)).size, actions.length);
    assert.equal(actions.length, 5);
  });

  it('revokes role sessions with the TokenIssueTime deny, and skips service-linked roles', () => {
    const [role] = planActions({
      severity: 'critical',
      policy: DEFAULT_POLICY,
      discoveries: [
        {
          principal: 'r',
          discovery: { type: 'aws.role', accountId: '123456789012', roleName: 'deploy', serviceLinked: false },
        },
      ],
    });
    assert.equal(role?.id, 'aws:revoke-role-sessions:123456789012/deploy');
    assert.equal(role?.mode, 'auto');
    const [linked] = planActions({
      severity: 'critical',
      policy: DEFAULT_POLICY,
      discoveries: [
        {
          principal: 'r',
          discovery: {
            type: 'aws.role',
            accountId: '123456789012',
            roleName: 'AWSServiceRoleForX',
            serviceLinked: true,
          },
        },
      ],
    });
    assert.equal(linked?.mode, 'skip');
    assert.match(linked?.reason ?? '', /Service-linked/);
  });

  it('follows a per-severity policy and waits for approval where the policy is silent', () => {
    const policy: Policy = {
      ...DEFAULT_POLICY,
      approvalTimeout: '1h',
      actions: { 'aws.denyUserSessions': { low: 'skip' } },
    };
    const low = planActions({ severity: 'low', policy, discoveries: [user(alice)] });
    const high = planActions({ severity: 'high', policy, discoveries: [user(alice)] });
    const modeOf = (actions: typeof low, kind: string) => actions.find((a) => a.kind === kind)?.mode;
    assert.equal(modeOf(low, 'aws.denyUserSessions'), 'skip');
    assert.equal(modeOf(high, 'aws.denyUserSessions'), 'approval');
    assert.equal(modeOf(high, 'aws.deactivateAccessKey'), 'approval');
  });

  it('marks reversibility and describes each step for the approver', () => {
    const actions = planActions({ severity: 'high', policy: DEFAULT_POLICY, discoveries: [user(alice)] });
    const remove = actions.find((a) => a.kind === 'aws.deleteAccessKey');
    assert.equal(remove?.reversible, false);
    assert.equal(remove?.destructive, true);
    assert.match(remove?.description ?? '', /Delete access key AKIAAAAAAAAAAAAAAAA1 of IAM user alice .*permanent/);
  });
});

describe('planActions for Entra and Google Cloud', () => {
  const TENANT = '8f3b5f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

  it('revokes sessions of an Entra user and disables it', () => {
    const actions = planActions({
      severity: 'high',
      policy: DEFAULT_POLICY,
      discoveries: [
        {
          principal: 'u',
          discovery: {
            type: 'entra.user',
            tenantId: TENANT,
            userId: 'u-1',
            userPrincipalName: 'adele@contoso.example',
            accountEnabled: true,
          },
        },
      ],
    });
    assert.deepEqual(
      actions.map((a) => [a.id, a.mode, a.reversible]),
      [
        ['entra:revoke-sessions:u-1', 'auto', false],
        ['entra:disable-user:u-1', 'approval', true],
      ],
    );
    assert.match(actions[0]?.residualRisk ?? '', /access tokens already issued stay valid until they expire/);
  });

  it('disables a consented app at once and waits for approval to remove its credentials and grants', () => {
    const actions = planActions({
      severity: 'high',
      policy: DEFAULT_POLICY,
      discoveries: [
        {
          principal: 'a',
          discovery: {
            type: 'entra.servicePrincipal',
            tenantId: TENANT,
            servicePrincipalId: 'sp-1',
            appId: 'app-1',
            displayName: 'Mail Sync Pro',
            accountEnabled: true,
            passwordKeyIds: ['p1', 'p2'],
            certificateKeyIds: ['c1'],
            grantIds: ['g1'],
            appRoleAssignmentIds: ['r1'],
          },
        },
      ],
    });
    assert.deepEqual(
      actions.map((a) => [a.id, a.mode, a.destructive]),
      [
        ['entra:disable-service-principal:sp-1', 'auto', false],
        ['entra:remove-credentials:sp-1', 'approval', true],
        ['entra:delete-grants:sp-1', 'approval', true],
      ],
    );
    assert.match(actions[1]?.reason ?? '', /3 secret\(s\)\/certificate\(s\)/);
  });

  it('disables then deletes each user-managed key of a service account and disables the account', () => {
    const key = (id: string) => `projects/acme-prod/serviceAccounts/etl@acme-prod.iam.gserviceaccount.com/keys/${id}`;
    const discovery = {
      type: 'gcp.serviceAccount' as const,
      projectId: 'acme-prod',
      email: 'etl@acme-prod.iam.gserviceaccount.com',
      disabled: false,
      keys: [
        { name: key('aaaa'), disabled: false },
        { name: key('bbbb'), disabled: true },
      ],
    };
    const all = planActions({
      severity: 'critical',
      policy: DEFAULT_POLICY,
      discoveries: [{ principal: 's', discovery }],
    });
    assert.deepEqual(
      all.map((a) => [a.id, a.mode, a.dependsOn]),
      [
        ['gcp:disable-key:aaaa', 'auto', []],
        ['gcp:delete-key:aaaa', 'approval', ['gcp:disable-key:aaaa']],
        ['gcp:disable-key:bbbb', 'auto', []],
        ['gcp:delete-key:bbbb', 'approval', ['gcp:disable-key:bbbb']],
        ['gcp:disable-service-account:etl@acme-prod.iam.gserviceaccount.com', 'auto', []],
      ],
    );
    const focused = planActions({
      severity: 'high',
      policy: DEFAULT_POLICY,
      discoveries: [{ principal: 'k', discovery: { ...discovery, focusKeyName: key('bbbb') } }],
    });
    assert.deepEqual(
      focused.map((a) => [a.id, a.mode]),
      [
        ['gcp:disable-key:bbbb', 'auto'],
        ['gcp:delete-key:bbbb', 'approval'],
        ['gcp:disable-service-account:etl@acme-prod.iam.gserviceaccount.com', 'approval'],
      ],
    );
  });

  describe('a Kubernetes service account', () => {
    const api: KubernetesServiceAccountDiscovery = {
      type: 'kubernetes.serviceAccount',
      cluster: 'prod-eks',
      namespace: 'payments',
      name: 'api',
      uid: 'u-1',
      tokenSecrets: ['api-token'],
      pods: [{ name: 'api-0', uid: 'p-1' }],
      bindings: ['ClusterRoleBinding/readers', 'RoleBinding/payments/api-reads-pods'],
    };
    const plan = (discovery: KubernetesServiceAccountDiscovery) =>
      planActions({
        severity: 'high',
        policy: DEFAULT_POLICY,
        discoveries: [{ principal: 'kubernetes/prod-eks/payments/service-account/api', discovery }],
      }).map((a) => [a.kind, a.mode]);

    it('deletes legacy Secrets at once; Pods, the bindings (the alternative) and re-creation wait for a decision', () => {
      assert.deepEqual(plan(api), [
        ['kubernetes.deleteTokenSecret', 'auto'],
        ['kubernetes.deletePod', 'approval'],
        ['kubernetes.removeBindings', 'approval'],
        ['kubernetes.recreateServiceAccount', 'approval'],
      ]);
    });

    it("offers taking a Pod's token's account out of its bindings instead of restarting the Pod", () => {
      assert.deepEqual(plan({ ...api, focus: { pod: 'api-0' } }), [
        ['kubernetes.deletePod', 'approval'],
        ['kubernetes.removeBindings', 'approval'],
      ]);
    });

    it('plans no binding removal for an account no binding names (or a discovery recorded before bindings)', () => {
      const recorded: KubernetesServiceAccountDiscovery = { ...api };
      delete recorded.bindings;
      for (const discovery of [{ ...api, bindings: [] }, recorded]) {
        assert.ok(!plan(discovery).some(([kind]) => kind === 'kubernetes.removeBindings'));
      }
    });
  });
});
