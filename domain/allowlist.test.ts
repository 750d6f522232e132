import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowlisted, allowlistedDiscovery, AllowlistEntry } from './allowlist.js';
import type { AwsUserDiscovery, EntraServicePrincipalDiscovery } from './discovery.js';
import type { Principal } from './principal.js';

const ciUser: Principal = { type: 'aws.user', accountId: '123456789012', userName: 'ci-deployer' };
const alice: Principal = { type: 'aws.user', accountId: '123456789012', userName: 'alice' };
const TENANT = '26b7f9fa-ece8-4e81-8997-610171802439';
const connector: Principal = {
  type: 'entra.servicePrincipal',
  tenantId: TENANT,
  appId: '11111111-2222-3333-4444-555555555555',
};
const sa: Principal = {
  type: 'gcp.serviceAccount',
  projectId: 'acme-build',
  email: 'builder@acme-build.iam.gserviceaccount.com',
};

describe('allowlisted', () => {
  it("keeps a cluster's own components out by namespace, whether the alert names the account or one of its tokens", () => {
    const entries: AllowlistEntry[] = [
      { principal: 'kubernetes/*/kube-system/service-account/*', reason: 'cluster components' },
    ];
    const coredns: Principal = {
      type: 'kubernetes.serviceAccount',
      cluster: 'prod',
      namespace: 'kube-system',
      name: 'coredns',
    };
    const token: Principal = {
      type: 'kubernetes.token',
      cluster: 'prod',
      namespace: 'kube-system',
      serviceAccount: 'coredns',
      pod: 'coredns-5d78c9869d-x2x9p',
    };
    const api: Principal = { type: 'kubernetes.serviceAccount', cluster: 'prod', namespace: 'payments', name: 'api' };
    assert.equal(allowlisted(entries, coredns)?.reason, 'cluster components');
    assert.equal(allowlisted(entries, token)?.reason, 'cluster components');
    assert.equal(allowlisted(entries, api), undefined);
  });

  it('matches by name glob, principal key glob, appId, AWS account and GCP project, and says why', () => {
    const entries: AllowlistEntry[] = [
      { name: 'ci-*', reason: 'CI/CD users rotate keys from new runners' },
      { appId: '11111111-2222-3333-4444-555555555555', reason: 'Sentinel data connector' },
      { gcpProject: 'acme-build', reason: 'build project automation' },
    ];
    assert.equal(allowlisted(entries, ciUser)?.reason, 'CI/CD users rotate keys from new runners');
    assert.equal(allowlisted(entries, connector)?.reason, 'Sentinel data connector');
    assert.equal(allowlisted(entries, sa)?.reason, 'build project automation');
    assert.equal(allowlisted(entries, alice), undefined);
    assert.equal(allowlisted([{ principal: 'aws/123456789012/user/*', reason: 'r' }], alice)?.reason, 'r');
  });

  it('needs every matcher of an entry to match', () => {
    const entry: AllowlistEntry = { name: 'ci-*', awsAccount: '999999999999', reason: 'other account only' };
    assert.equal(allowlisted([entry], ciUser), undefined);
  });

  it('refuses an entry without a reason or without a matcher, naming the field', () => {
    assert.deepEqual(
      AllowlistEntry.safeParse({ name: 'x' }).error?.issues.map((i) => i.path.join('.')),
      ['reason'],
    );
    assert.match(AllowlistEntry.safeParse({ reason: 'r' }).error?.issues[0]?.message ?? '', /at least one of/);
  });

  it('matches what discovery found: the owning user of a key, the UPN of an object id, the name of an app', () => {
    const entries: AllowlistEntry[] = [
      { name: 'ci-*', awsAccount: '123456789012', reason: 'CI' },
      { name: 'svc-*@example.com', reason: 'service users' },
      { name: 'Sentinel *', entraTenant: TENANT, reason: 'connector' },
    ];
    const key: AwsUserDiscovery = {
      type: 'aws.user',
      accountId: '123456789012',
      userName: 'ci-deployer',
      accessKeys: [],
    };
    assert.equal(allowlistedDiscovery(entries, { ...key, focusAccessKeyId: 'AKIA' })?.reason, 'CI');
    assert.equal(allowlistedDiscovery(entries, { ...key, userName: 'alice' }), undefined);
    const user = { type: 'entra.user', tenantId: TENANT, accountEnabled: true } as const;
    const id = '0b0a5b2c-1111-2222-3333-444444444444';
    assert.equal(
      allowlistedDiscovery(entries, { ...user, userId: id, userPrincipalName: 'svc-backup@example.com' })?.reason,
      'service users',
    );
    const sp: EntraServicePrincipalDiscovery = {
      displayName: '',
      appOwnerTenantId: TENANT,
      type: 'entra.servicePrincipal',
      tenantId: TENANT,
      servicePrincipalId: id,
      appId: id,
      accountEnabled: true,
      passwordKeyIds: [],
      certificateKeyIds: [],
      grantIds: [],
      appRoleAssignmentIds: [],
    };
    assert.equal(allowlistedDiscovery(entries, { ...sp, displayName: 'Sentinel connector' })?.reason, 'connector');
    assert.equal(allowlistedDiscovery(entries, { ...sp, displayName: 'Exfil app' }), undefined);
  });

  describe("an Entra app's display name, which its registrant chooses", () => {
    const FOREIGN = 'b7a1600f-1ad1-4220-a3a0-0d0ece31fcb0';
    const app = (displayName: string, appOwnerTenantId?: string): EntraServicePrincipalDiscovery => ({
      type: 'entra.servicePrincipal',
      tenantId: TENANT,
      servicePrincipalId: '0b0a5b2c-1111-2222-3333-444444444444',
      appId: '99999999-8888-7777-6666-555555555555',
      displayName,
      ...(appOwnerTenantId ? { appOwnerTenantId } : {}),
      accountEnabled: true,
      passwordKeyIds: [],
      certificateKeyIds: [],
      grantIds: [],
      appRoleAssignmentIds: [],
    });
    const ciDeployer: AwsUserDiscovery = {
      type: 'aws.user',
      accountId: '123456789012',
      userName: 'ci-deployer',
      accessKeys: [],
    };

    it('does not exempt a multi-tenant app named "ci-…" through an unscoped name entry, which still exempts AWS users', () => {
      const entries: AllowlistEntry[] = [{ name: 'ci-*', reason: 'CI/CD deployers' }];
      assert.equal(allowlistedDiscovery(entries, app('ci-pipeline', FOREIGN)), undefined, 'a foreign app');
      assert.equal(allowlistedDiscovery(entries, app('ci-pipeline', TENANT)), undefined, 'even our own, unscoped');
      assert.equal(allowlistedDiscovery(entries, ciDeployer)?.reason, 'CI/CD deployers');
      assert.equal(allowlisted(entries, ciUser)?.reason, 'CI/CD deployers');
    });

    it("matches it for an entry scoped to the tenant the app is registered in, and only for that tenant's apps", () => {
      const entries: AllowlistEntry[] = [{ name: 'ci-*', entraTenant: TENANT.toUpperCase(), reason: 'our CI apps' }];
      assert.equal(allowlistedDiscovery(entries, app('ci-pipeline', TENANT))?.reason, 'our CI apps');
      assert.equal(allowlistedDiscovery(entries, app('ci-pipeline', FOREIGN)), undefined, 'consented from elsewhere');
      assert.equal(allowlistedDiscovery(entries, app('ci-pipeline')), undefined, 'home tenant unknown');
      assert.equal(allowlistedDiscovery(entries, ciDeployer), undefined, 'entraTenant scopes out AWS principals');
    });

    it('matches it for an entry pinned to the app by appId', () => {
      const appId = '99999999-8888-7777-6666-555555555555';
      const entries: AllowlistEntry[] = [{ appId, name: 'ci-*', reason: 'that app' }];
      assert.equal(allowlistedDiscovery(entries, app('ci-pipeline', FOREIGN))?.reason, 'that app');
      assert.equal(allowlistedDiscovery(entries, app('renamed', FOREIGN)), undefined, 'every matcher must match');
    });

    it('scopes users to their tenant with entraTenant', () => {
      const entry: AllowlistEntry = { entraTenant: TENANT, name: 'svc-*', reason: 'service users' };
      const user = (tenantId: string): Principal => ({ type: 'entra.user', tenantId, user: 'svc-backup@example.com' });
      assert.equal(allowlisted([entry], user(TENANT))?.reason, 'service users');
      assert.equal(allowlisted([entry], user('11111111-1111-1111-1111-111111111111')), undefined);
    });
  });
});
