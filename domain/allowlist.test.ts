import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowlisted, AllowlistEntry } from './allowlist.js';
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
});
