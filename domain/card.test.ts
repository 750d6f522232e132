import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CARD_REACH_KEPT, triageCard } from './card.js';
import type {
  AwsUserDiscovery,
  Discovery,
  EntraServicePrincipalDiscovery,
  GcpServiceAccountDiscovery,
  Unread,
} from './discovery.js';

const TENANT = '26b7f9fa-ece8-4e81-8997-610171802439';
const PUBLISHER = 'a8d1e5c0-3f7b-4c55-9a61-0b2f6d8e9c14';

const alice: AwsUserDiscovery = {
  type: 'aws.user',
  accountId: '123456789012',
  userName: 'alice',
  arn: 'arn:aws:iam::123456789012:user/alice',
  accessKeys: [
    {
      accessKeyId: 'AKIAALICE07EXAMPLE01',
      status: 'Active',
      lastUsed: { at: '2026-11-23T12:41:07.000Z', region: 'us-east-1', service: 's3' },
    },
    { accessKeyId: 'AKIAALICE07EXAMPLE02', status: 'Active', lastUsed: {} },
  ],
  policies: { attached: ['IAMUserChangePassword', 'TerraformStateRead'], inline: ['DeveloperS3AndSts'] },
  groups: [{ groupName: 'developers', attached: ['AmazonS3ReadOnlyAccess'], inline: ['DevelopersAssumeDeploy'] }],
};

const payrollExport: EntraServicePrincipalDiscovery = {
  type: 'entra.servicePrincipal',
  tenantId: TENANT,
  servicePrincipalId: '5b1f3c2a-9d8e-4f7a-b6c5-1e2d3f4a5b6c',
  appId: 'c0ffee00-1234-4abc-8def-0123456789ab',
  displayName: 'Payroll Export',
  appOwnerTenantId: PUBLISHER,
  signInAudience: 'AzureADMultipleOrgs',
  accountEnabled: true,
  passwordKeyIds: ['k1'],
  certificateKeyIds: [],
  grantIds: ['g1', 'g2'],
  appRoleAssignmentIds: ['a1'],
  delegated: [{ resource: 'Microsoft Graph', scopes: ['Mail.Read', 'offline_access'], allUsers: false, users: 3 }],
  applicationPermissions: [{ resource: 'Microsoft Graph', roles: ['Mail.ReadWrite'] }],
};

describe('the triage card', () => {
  it("shows an IAM user by name and ARN, its own and its groups' policies, and its key's last use", () => {
    const card = triageCard(alice);
    assert.equal(card.name, 'alice');
    assert.equal(card.id, 'arn:aws:iam::123456789012:user/alice');
    assert.equal(card.kind, 'IAM user');
    assert.deepEqual(card.reach, [
      'IAMUserChangePassword',
      'TerraformStateRead',
      'DeveloperS3AndSts (inline)',
      'AmazonS3ReadOnlyAccess (group developers)',
      'DevelopersAssumeDeploy (group developers, inline)',
    ]);
    assert.equal(card.reachMore, undefined);
    assert.deepEqual(card.lastUsed, {
      at: '2026-11-23T12:41:07.000Z',
      region: 'us-east-1',
      service: 's3',
      credential: 'AKIAALICE07EXAMPLE01',
    });
    assert.deepEqual(card.facts, ['2 active, 0 inactive keys', 'AKIAALICE07EXAMPLE02 never used']);
  });

  it('shows the key the alert names, even when another key was used later', () => {
    const card = triageCard({
      ...alice,
      focusAccessKeyId: 'AKIAALICE07EXAMPLE02',
      accessKeys: [
        alice.accessKeys[0]!,
        { accessKeyId: 'AKIAALICE07EXAMPLE02', status: 'Active', lastUsed: { at: '2026-11-01T00:00:00Z' } },
      ],
    });
    assert.equal(card.lastUsed?.credential, 'AKIAALICE07EXAMPLE02');
    assert.equal(card.lastUsed?.at, '2026-11-01T00:00:00Z');
    assert.ok(card.facts.includes('the alert names key AKIAALICE07EXAMPLE02'));
  });

  it('says what it could not read, before the policies it could, and flags an administrator', () => {
    const unread: Unread[] = [
      { part: 'reach', what: 'its managed policies', why: 'iam:ListAttachedUserPolicies denied' },
      { part: 'lastUsed', what: 'last use of AKIAALICE07EXAMPLE01', why: 'iam:GetAccessKeyLastUsed denied' },
    ];
    const card = triageCard({
      ...alice,
      accessKeys: [{ accessKeyId: 'AKIAALICE07EXAMPLE01', status: 'Active' }],
      policies: { attached: [], inline: ['DeveloperS3AndSts'] },
      groups: [{ groupName: 'admins', attached: ['AdministratorAccess'], inline: [] }],
      unread,
    });
    assert.deepEqual(card.reach, [
      'its managed policies: not readable (iam:ListAttachedUserPolicies denied)',
      'DeveloperS3AndSts (inline)',
      'AdministratorAccess (group admins)',
    ]);
    assert.equal(card.lastUsed, undefined);
    assert.ok(card.facts.includes('administrator (AdministratorAccess)'));
    assert.ok(card.facts.includes('last use of AKIAALICE07EXAMPLE01: not readable (iam:GetAccessKeyLastUsed denied)'));
  });

  it('keeps CARD_REACH_KEPT lines and counts the rest', () => {
    const attached = Array.from({ length: CARD_REACH_KEPT + 3 }, (_, i) => `Policy${i}`);
    const card = triageCard({ ...alice, policies: { attached, inline: [] }, groups: [] });
    assert.deepEqual(card.reach, attached.slice(0, CARD_REACH_KEPT));
    assert.equal(card.reachMore, 3);
  });

  it('names a role by its ARN, its last use by a session, and says when none used it', () => {
    const role = triageCard({
      type: 'aws.role',
      accountId: '123456789012',
      roleName: 'deploy',
      serviceLinked: false,
      arn: 'arn:aws:iam::123456789012:role/deploy',
      policies: { attached: ['AmazonS3ReadOnlyAccess'], inline: ['DeployS3'] },
      lastUsed: { at: '2026-11-23T12:44:51.000Z', region: 'us-east-1' },
    });
    assert.equal(role.id, 'arn:aws:iam::123456789012:role/deploy');
    assert.deepEqual(role.reach, ['AmazonS3ReadOnlyAccess', 'DeployS3 (inline)']);
    assert.deepEqual(role.lastUsed, { at: '2026-11-23T12:44:51.000Z', region: 'us-east-1' });
    const idle = triageCard({
      type: 'aws.role',
      accountId: '123456789012',
      roleName: 'AWSServiceRoleForSupport',
      serviceLinked: true,
      lastUsed: {},
    });
    assert.equal(idle.kind, 'IAM service-linked role');
    assert.ok(idle.facts.includes('no session used it in the last 400 days'));
  });

  it('shows an app by its name, not its GUID: who published it, its permissions and how many users consented', () => {
    const card = triageCard(payrollExport);
    assert.equal(card.name, 'Payroll Export');
    assert.equal(card.id, payrollExport.servicePrincipalId);
    assert.equal(card.kind, `Entra app (multi-tenant, home tenant ${PUBLISHER})`);
    assert.deepEqual(card.reach, [
      'Microsoft Graph application: Mail.ReadWrite',
      'Microsoft Graph delegated: Mail.Read, offline_access — 3 users consented',
    ]);
    assert.deepEqual(card.facts, ['enabled', `appId ${payrollExport.appId}`, '1 secret, 0 certificates']);
  });

  it('says admin consent covers all users, and lists at most six scopes a line', () => {
    const scopes = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const card = triageCard({
      ...payrollExport,
      appOwnerTenantId: TENANT,
      signInAudience: 'AzureADMyOrg',
      applicationPermissions: [],
      delegated: [{ resource: 'Microsoft Graph', scopes, allUsers: true, users: 0 }],
    });
    assert.equal(card.kind, 'Entra app (single-tenant, registered here)');
    assert.deepEqual(card.reach, ['Microsoft Graph delegated: a, b, c, d, e, f +2 more — all users (admin consent)']);
  });

  it('counts the consent of an app discovered before its scopes were read (a recorded run)', () => {
    const { delegated, applicationPermissions, signInAudience, ...recorded } = payrollExport;
    assert.ok(delegated && applicationPermissions && signInAudience);
    const card = triageCard(recorded);
    assert.deepEqual(card.reach, ['1 application permission (roles not read)', '2 consent grants (scopes not read)']);
    assert.equal(card.kind, `Entra app (multi-tenant, home tenant ${PUBLISHER})`);
  });

  it("shows a service account's roles on its project and the key the alert names, with when it was made", () => {
    const sa: GcpServiceAccountDiscovery = {
      type: 'gcp.serviceAccount',
      projectId: 'acme-prod',
      email: 'etl@acme-prod.iam.gserviceaccount.com',
      displayName: 'Nightly ETL',
      disabled: false,
      keys: [
        {
          name: 'projects/acme-prod/serviceAccounts/etl@acme-prod.iam.gserviceaccount.com/keys/k1',
          disabled: false,
          validAfterTime: '2026-10-01T00:00:00Z',
        },
        { name: 'projects/acme-prod/serviceAccounts/etl@acme-prod.iam.gserviceaccount.com/keys/k2', disabled: true },
      ],
      focusKeyName: 'projects/acme-prod/serviceAccounts/etl@acme-prod.iam.gserviceaccount.com/keys/k1',
      roles: ['roles/bigquery.dataEditor', 'roles/storage.objectAdmin'],
    };
    const card = triageCard(sa);
    assert.equal(card.id, 'projects/acme-prod/serviceAccounts/etl@acme-prod.iam.gserviceaccount.com');
    assert.deepEqual(card.reach, [
      'roles/bigquery.dataEditor on project acme-prod',
      'roles/storage.objectAdmin on project acme-prod',
    ]);
    assert.deepEqual(card.facts, [
      'Nightly ETL',
      'enabled',
      '2 user-managed keys, 1 enabled',
      'the alert names key k1 (made 2026-10-01T00:00:00Z)',
      'key last use not read (Policy Analyzer has it, a day or two late)',
    ]);
  });

  it('maps Workspace and Kubernetes discoveries: apps granted, scopes, grantees, bindings, tokens and Pods', () => {
    const app = triageCard({
      type: 'workspace.app',
      domain: 'acme.example',
      clientId: '1234.apps.googleusercontent.com',
      displayText: 'Mail Helper',
      grantedBy: ['ann@acme.example'],
      grantCount: 1,
      usersScanned: 40,
      scopes: ['https://www.googleapis.com/auth/gmail.readonly', 'openid'],
    });
    assert.deepEqual(app.reach, ['gmail.readonly', 'openid']);
    assert.deepEqual(app.facts, ['granted by 1 of 40 users']);
    const account = triageCard({
      type: 'kubernetes.serviceAccount',
      cluster: 'prod',
      namespace: 'payments',
      name: 'api',
      uid: 'u-1',
      tokenSecrets: ['api-token'],
      pods: [{ name: 'api-1', uid: 'p-1' }],
      bindings: ['ClusterRoleBinding/payments-admin'],
      roles: [{ binding: 'ClusterRoleBinding/payments-admin', role: 'ClusterRole/admin' }],
    });
    assert.equal(account.id, 'system:serviceaccount:payments:api');
    assert.deepEqual(account.reach, ['ClusterRole/admin (ClusterRoleBinding/payments-admin)']);
    assert.deepEqual(account.facts, ['uid u-1', '1 legacy token Secret', '1 Pod running as it']);
  });
});

// Discoveries of every kind, each optional (card-only) field present or absent: what recorded histories and today's
// workers hand the playbook.
const text = fc.string({ maxLength: 12 });
const names = fc.array(text, { maxLength: 12 });
const iso = fc
  .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
  .map((d) => d.toISOString());
const lastUse = fc.record({ at: iso, region: text, service: text }, { requiredKeys: [] });
const unread = fc.array(
  fc.record({
    part: fc.constantFrom('reach' as const, 'lastUsed' as const, 'identity' as const),
    what: text,
    why: text,
  }),
  { maxLength: 10 },
);
const policies = fc.record({ attached: names, inline: names });
const optional = { requiredKeys: [] as never[] };

const discovery: fc.Arbitrary<Discovery> = fc.oneof(
  fc
    .tuple(
      fc
        .record({
          accessKeyId: text,
          status: fc.constantFrom('Active' as const, 'Inactive' as const),
        })
        .chain((key) => fc.record({ lastUsed: lastUse }, optional).map((extra) => ({ ...key, ...extra }))),
      fc.record(
        {
          focusAccessKeyId: text,
          arn: text,
          policies,
          groups: fc.array(fc.record({ groupName: text, attached: names, inline: names }), { maxLength: 10 }),
          unread,
        },
        optional,
      ),
      fc.array(fc.record({ accessKeyId: text, status: fc.constantFrom('Active' as const, 'Inactive' as const) }), {
        maxLength: 2,
      }),
    )
    .map(([key, extra, more]) => ({
      type: 'aws.user' as const,
      accountId: '123456789012',
      userName: 'u',
      accessKeys: [key, ...more],
      ...extra,
    })),
  fc.record({ arn: text, policies, lastUsed: lastUse, unread }, optional).chain((extra) =>
    fc.boolean().map((serviceLinked) => ({
      type: 'aws.role' as const,
      accountId: '123456789012',
      roleName: 'r',
      serviceLinked,
      ...extra,
    })),
  ),
  fc.record({ displayName: text, lastSignIn: lastUse, unread }, optional).map((extra) => ({
    type: 'entra.user' as const,
    tenantId: TENANT,
    userId: 'id',
    userPrincipalName: 'u@x',
    accountEnabled: true,
    ...extra,
  })),
  fc
    .record(
      {
        appOwnerTenantId: fc.constantFrom(TENANT, PUBLISHER),
        signInAudience: fc.constantFrom('AzureADMyOrg', 'AzureADMultipleOrgs'),
        delegated: fc.array(fc.record({ resource: text, scopes: names, allUsers: fc.boolean(), users: fc.nat() }), {
          maxLength: 10,
        }),
        applicationPermissions: fc.array(fc.record({ resource: text, roles: names }), { maxLength: 10 }),
        unread,
      },
      optional,
    )
    .chain((extra) =>
      fc.record({ grantIds: names, appRoleAssignmentIds: names }).map((ids) => ({
        type: 'entra.servicePrincipal' as const,
        tenantId: TENANT,
        servicePrincipalId: 'sp',
        appId: 'app',
        displayName: 'App',
        accountEnabled: false,
        passwordKeyIds: [],
        certificateKeyIds: [],
        ...ids,
        ...extra,
      })),
    ),
  fc.record({ displayName: text, roles: names, unread, focusKeyName: text }, optional).chain((extra) =>
    fc
      .array(
        fc.record({ name: text, disabled: fc.boolean(), validAfterTime: iso }, { requiredKeys: ['name', 'disabled'] }),
        {
          maxLength: 10,
        },
      )
      .map((keys) => ({
        type: 'gcp.serviceAccount' as const,
        projectId: 'p',
        email: 'sa@p',
        disabled: false,
        keys,
        ...extra,
      })),
  ),
  fc.array(fc.record({ clientId: text, displayText: text }), { maxLength: 12 }).map((apps) => ({
    type: 'workspace.user' as const,
    domain: 'd',
    userId: 'u',
    primaryEmail: 'u@d',
    suspended: false,
    isAdmin: true,
    apps,
  })),
  fc.record({ scopes: names, focusUser: text }, optional).map((extra) => ({
    type: 'workspace.app' as const,
    domain: 'd',
    clientId: 'c',
    displayText: 'App',
    grantedBy: [],
    grantCount: 0,
    usersScanned: 0,
    ...extra,
  })),
  fc
    .record({ bindings: names, roles: fc.array(fc.record({ binding: text, role: text }), { maxLength: 12 }) }, optional)
    .map((extra) => ({
      type: 'kubernetes.serviceAccount' as const,
      cluster: 'c',
      namespace: 'n',
      name: 'a',
      uid: 'u',
      tokenSecrets: [],
      pods: [],
      ...extra,
    })),
);

/** The reach lines a discovery gives before the cap, counted the way the card builds them. */
function reachLines(d: Discovery): number {
  const unreadReach = 'unread' in d ? (d.unread ?? []).filter((u) => u.part === 'reach').length : 0;
  switch (d.type) {
    case 'aws.user':
      return (
        unreadReach +
        (d.policies?.attached.length ?? 0) +
        (d.policies?.inline.length ?? 0) +
        (d.groups ?? []).reduce((n, g) => n + g.attached.length + g.inline.length, 0)
      );
    case 'aws.role':
      return unreadReach + (d.policies?.attached.length ?? 0) + (d.policies?.inline.length ?? 0);
    case 'entra.user':
      return unreadReach;
    case 'entra.servicePrincipal':
      return (
        unreadReach +
        (d.applicationPermissions?.length ?? (d.appRoleAssignmentIds.length ? 1 : 0)) +
        (d.delegated?.length ?? (d.grantIds.length ? 1 : 0))
      );
    case 'gcp.serviceAccount':
      return unreadReach + (d.roles?.length ?? 0);
    case 'workspace.user':
      return d.apps.length;
    case 'workspace.app':
      return d.scopes?.length ?? 0;
    case 'kubernetes.serviceAccount':
      return d.roles?.length ?? d.bindings?.length ?? 0;
  }
}

describe('the triage card, for any discovery', () => {
  it(`never shows more than ${CARD_REACH_KEPT} reach lines, counts the rest in reachMore, and never throws`, () => {
    fc.assert(
      fc.property(discovery, (d) => {
        const card = triageCard(d);
        const total = reachLines(d);
        assert.ok(card.reach.length <= CARD_REACH_KEPT);
        assert.equal(card.reach.length + (card.reachMore ?? 0), total);
        assert.equal(card.reachMore === undefined, total <= CARD_REACH_KEPT, 'reachMore only when lines were left out');
        assert.ok(typeof card.name === 'string' && typeof card.id === 'string' && card.kind.length > 0);
      }),
      { numRuns: 500 },
    );
  });

  it('is the same card every time, and survives JSON unchanged (no undefined values in a workflow payload)', () => {
    fc.assert(
      fc.property(discovery, (d) => {
        const card = triageCard(d);
        assert.deepEqual(triageCard(structuredClone(d)), card);
        assert.deepEqual(JSON.parse(JSON.stringify(card)), card);
      }),
      { numRuns: 200 },
    );
  });
});
