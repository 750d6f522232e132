import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DEFAULT_SEED_PATH, loadEntraSeed, type EntraSimulator } from './index.js';
import { backdoorApplication, federatedCredentialBackdoor, requestToken, useStolenCredential } from './stratus.js';
import {
  appToken,
  CONTOSO_CI,
  graph,
  HELPDESK,
  PAYROLL_EXPORT,
  RESPONDER,
  responderToken,
  startTrustedSimulator,
} from './test-support.js';

type Audit = {
  id: string;
  activityDisplayName: string;
  activityDateTime: string;
  category: string;
  result: string;
  loggedByService: string;
  operationType: string;
  correlationId: string;
  initiatedBy: { app: { appId: string; servicePrincipalId: string; displayName: string } | null; user: unknown };
  targetResources: {
    id: string;
    type: string;
    displayName: string;
    modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[];
  }[];
};
type SignIn = {
  id: string;
  appId: string;
  createdDateTime: string;
  servicePrincipalId?: string | null;
  servicePrincipalCredentialKeyId?: string | null;
  signInEventTypes?: string[];
  status: { errorCode: number; failureReason: string | null };
};

const CI = { appId: CONTOSO_CI.appId, secret: CONTOSO_CI.secret.secret };
const AUDITS = '/auditLogs/directoryAudits';
const q = (filter: string) => `?$filter=${encodeURIComponent(filter)}`;

describe('Entra audit and sign-in logs (auditLogs/directoryAudits, signIns)', () => {
  let sim: EntraSimulator;
  let token: string;
  before(async () => {
    sim = await startTrustedSimulator();
  });
  after(() => sim.close());
  beforeEach(async () => {
    sim.reset();
    token = await responderToken(sim);
  });

  const audits = async (query = '') => {
    const answer = await graph(sim, token, 'GET', `${AUDITS}${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    return answer.json as { value: Audit[]; '@odata.nextLink'?: string };
  };
  const betaSignIns = async (filter: string) => {
    const answer = await graph(sim, token, 'GET', `${sim.authorityHost}/beta/auditLogs/signIns${q(filter)}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    return (answer.json as { value: SignIn[] }).value;
  };

  it("records the attacker's backdoor secret as Entra does, and the secret works", async () => {
    const backdoor = await backdoorApplication(sim, CI, { appId: PAYROLL_EXPORT.appId });
    assert.match(backdoor.secret, /^.{3}8Q~.{34}$/);
    assert.deepEqual(sim.application(PAYROLL_EXPORT.appId)?.passwordKeyIds, [
      PAYROLL_EXPORT.secret.keyId,
      backdoor.keyId,
    ]);
    // The planted secret authenticates as the victim app: the way back in.
    const used = await requestToken(sim, { appId: PAYROLL_EXPORT.appId, secret: backdoor.secret });
    assert.equal(used.status, 200);

    const [record] = (await audits(q(`initiatedBy/app/appId eq '${CONTOSO_CI.appId}'`))).value;
    assert.equal(record?.activityDisplayName, 'Update application – Certificates and secrets management');
    assert.deepEqual(
      [record?.category, record?.result, record?.loggedByService, record?.operationType],
      ['ApplicationManagement', 'success', 'Core Directory', 'Update'],
    );
    assert.deepEqual(record?.initiatedBy.app, {
      appId: CONTOSO_CI.appId,
      displayName: 'contoso-ci',
      servicePrincipalId: CONTOSO_CI.spId,
      servicePrincipalName: 'contoso-ci',
    });
    assert.equal(record?.initiatedBy.user, null);
    const target = record?.targetResources[0];
    assert.deepEqual(
      [target?.type, target?.id, target?.displayName],
      ['Application', PAYROLL_EXPORT.applicationId, 'Payroll Export'],
    );
    const keys = target?.modifiedProperties.find((p) => p.displayName === 'KeyDescription');
    const added = (JSON.parse(keys?.newValue ?? '[]') as string[]).find((k) => k.includes(backdoor.keyId));
    assert.equal(
      added,
      `[KeyIdentifier=${backdoor.keyId},KeyType=Password,KeyUsage=Verify,DisplayName=Stratus Red Team backdoor]`,
    );
    assert.ok(!JSON.stringify(sim.directoryAudits()).includes(backdoor.secret), 'no secret in the audit log');
    assert.ok(!readFileSync(DEFAULT_SEED_PATH, 'utf8').includes(backdoor.secret));
  });

  it('records a federated credential added to an application as "Update application" with its issuer and subject', async () => {
    const planted = await federatedCredentialBackdoor(sim, CI, { appId: PAYROLL_EXPORT.appId });
    const listed = await graph(
      sim,
      token,
      'GET',
      `/applications/${PAYROLL_EXPORT.applicationId}/federatedIdentityCredentials`,
    );
    assert.deepEqual(
      (listed.json.value as { name: string }[]).map((f) => f.name),
      [PAYROLL_EXPORT.federatedCredential.name, planted.name].sort(),
    );
    const byName = await graph(
      sim,
      token,
      'GET',
      `/applications/${PAYROLL_EXPORT.applicationId}/federatedIdentityCredentials/${planted.name}`,
    );
    assert.deepEqual(
      [byName.status, byName.json.id, byName.json.subject],
      [200, planted.credentialId, planted.subject],
    );
    const [record] = (await audits(q(`activityDisplayName eq 'Update application'`))).value;
    const property = record?.targetResources[0]?.modifiedProperties.find(
      (p) => p.displayName === 'FederatedIdentityCredentials',
    );
    const after = JSON.parse(property?.newValue ?? '[]') as { Name: string; Issuer: string; Subject: string }[];
    const before = JSON.parse(property?.oldValue ?? '[]') as unknown[];
    assert.equal(before.length, 1);
    assert.deepEqual(
      after.find((f) => f.Name === planted.name),
      {
        Name: planted.name,
        Issuer: 'https://token.actions.githubusercontent.com',
        Subject: 'repo:attacker/persistence:ref:refs/heads/main',
        Audiences: ['api://AzureADTokenExchange'],
        Description: null,
      },
    );

    const again = await graph(
      sim,
      token,
      'POST',
      `/applications/${PAYROLL_EXPORT.applicationId}/federatedIdentityCredentials`,
      {
        name: planted.name,
        issuer: planted.issuer,
        subject: 'repo:attacker/other:ref:refs/heads/main',
      },
    );
    assert.equal(again.status, 409);
    const deleted = await graph(
      sim,
      token,
      'DELETE',
      `/applications/${PAYROLL_EXPORT.applicationId}/federatedIdentityCredentials/${planted.credentialId}`,
    );
    assert.equal(deleted.status, 204);
    assert.deepEqual(
      sim.application(PAYROLL_EXPORT.appId)?.federatedIdentityCredentials.map((f) => f.id),
      [PAYROLL_EXPORT.federatedCredential.id],
    );
  });

  it("logs Revoker's own changes under their activity names", async () => {
    await graph(sim, token, 'POST', `/users/13b68baa-9857-4027-813a-52c7304c679f/revokeSignInSessions`);
    await graph(sim, token, 'PATCH', `/users/13b68baa-9857-4027-813a-52c7304c679f`, { accountEnabled: false });
    await graph(sim, token, 'POST', `/servicePrincipals/2fcca71c-f141-48be-a314-c05e62d8144f/removePassword`, {
      keyId: '017bd468-234f-4388-9f41-0d6f71b4d97e',
    });
    await graph(sim, token, 'POST', `/applications/${PAYROLL_EXPORT.applicationId}/removePassword`, {
      keyId: PAYROLL_EXPORT.secret.keyId,
    });
    const names = (await audits(q(`initiatedBy/app/appId eq '${RESPONDER.appId}'`))).value.map(
      (a) => a.activityDisplayName,
    );
    assert.deepEqual(names, [
      'Update application – Certificates and secrets management',
      'Remove service principal credentials',
      'Disable account',
      'Update user',
      'Update StsRefreshTokenValidFrom Timestamp',
    ]);
    assert.equal(sim.directoryAudits().length, 5, 'reads are not audited');
  });

  it('filters by time, activity, target and initiator, with and, or and parentheses', async () => {
    const start = new Date(Date.now() - 1000).toISOString();
    await backdoorApplication(sim, CI, { appId: PAYROLL_EXPORT.appId });
    await federatedCredentialBackdoor(sim, CI, { appId: PAYROLL_EXPORT.appId });
    await graph(sim, token, 'PATCH', `/users/13b68baa-9857-4027-813a-52c7304c679f`, { accountEnabled: false });
    const end = new Date(Date.now() + 1000).toISOString();
    const count = async (filter: string) => (await audits(q(filter))).value.length;

    assert.equal(await count(`activityDateTime ge ${start} and activityDateTime le ${end}`), 4);
    assert.equal(await count(`activityDateTime ge ${end}`), 0);
    assert.equal(await count(`activityDateTime le ${start}`), 0);
    assert.equal(await count(`targetResources/any(t: t/id eq '${PAYROLL_EXPORT.applicationId}')`), 2);
    assert.equal(
      await count(
        `initiatedBy/app/appId eq '${CONTOSO_CI.appId}' and (activityDisplayName eq 'Update application' or activityDisplayName eq 'Disable account')`,
      ),
      1,
    );
    assert.equal(
      await count(`initiatedBy/app/appId eq '${RESPONDER.appId}' or initiatedBy/app/appId eq '${CONTOSO_CI.appId}'`),
      4,
    );
    assert.equal(await count(`initiatedBy/user/id eq '13b68baa-9857-4027-813a-52c7304c679f'`), 0);
    assert.equal(await count(`startswith(activityDisplayName, 'Update application')`), 2);
    assert.equal(await count(`targetResources/any(t: t/type eq 'User') and activityDateTime ge ${start}`), 2);
  });

  it('refuses a filter Graph would refuse, with its error body', async () => {
    const refused = async (filter: string) => {
      const answer = await graph(sim, token, 'GET', `${AUDITS}${q(filter)}`);
      assert.equal(answer.status, 400, filter);
      const error = answer.json.error as { code: string; message: string; innerError: Record<string, string> };
      assert.ok(error.innerError['request-id'] && error.innerError.date, 'innerError carries request-id and date');
      return error;
    };
    assert.match((await refused(`activityDisplayName ne 'Update user'`)).message, /operator 'ne' is not supported/);
    assert.match(
      (await refused(`nosuch eq 'x'`)).message,
      /Could not find a property named 'nosuch' on type 'microsoft\.graph\.directoryAudit'/,
    );
    assert.match(
      (await refused(`activityDateTime ge '2026-01-01'`)).message,
      /incompatible types.*Edm\.DateTimeOffset/,
    );
    assert.match((await refused(`activityDisplayName eq 'x' and`)).message, /Syntax error/);
    assert.match((await refused(`activityDisplayName ge 'x'`)).message, /operator 'ge' is not supported/);
    const top = await graph(sim, token, 'GET', `${AUDITS}?$top=1001`);
    assert.equal(top.status, 400);
    const expand = await graph(sim, token, 'GET', `${AUDITS}?$expand=targetResources`);
    assert.equal(expand.status, 400);
  });

  it('pages newest first with @odata.nextLink, neither skipping nor repeating when records arrive between pages', async () => {
    for (let i = 0; i < 5; i += 1) {
      await graph(sim, token, 'PATCH', `/servicePrincipals/${PAYROLL_EXPORT.spId}`, {
        displayName: `Payroll Export ${i}`,
      });
    }
    const first = await audits('?$top=2');
    assert.equal(first.value.length, 2);
    const times = first.value.map((a) => Date.parse(a.activityDateTime));
    assert.ok((times[0] ?? 0) >= (times[1] ?? 0), 'newest first');
    // A record logged between two page requests lands before the first page: the rest is unchanged.
    await graph(sim, token, 'PATCH', `/servicePrincipals/${PAYROLL_EXPORT.spId}`, { displayName: 'Payroll Export' });
    const seen = [...first.value];
    let next = first['@odata.nextLink'];
    let pages = 1;
    while (next) {
      const page = await graph(sim, token, 'GET', next);
      assert.equal(page.status, 200);
      seen.push(...(page.json.value as Audit[]));
      next = page.json['@odata.nextLink'] as string | undefined;
      pages += 1;
    }
    assert.equal(pages, 3);
    assert.equal(seen.length, 5);
    assert.equal(new Set(seen.map((a) => a.id)).size, 5);
    const oldestFirst = await audits('?$orderby=activityDateTime asc&$top=1');
    assert.equal(oldestFirst.value[0]?.id, seen[4]?.id);
  });

  it('answers a throttled read with 429 and Retry-After, and reads again after', async () => {
    sim.injectFault({ path: '/auditLogs', status: 429, retryAfterSeconds: 3 });
    const throttled = await graph(sim, token, 'GET', AUDITS);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('retry-after'), '3');
    assert.equal((throttled.json.error as { code: string }).code, 'TooManyRequests');
    sim.injectFault({ path: '/auditLogs/signIns', status: 429 });
    const beta = await graph(sim, token, 'GET', `${sim.authorityHost}/beta/auditLogs/signIns`);
    assert.equal(beta.status, 429, 'a /beta read is faulted by its path below the version too');
    assert.equal((await graph(sim, token, 'GET', AUDITS)).status, 200);
  });

  it('refuses an app without AuditLog.Read.All as Graph does', async () => {
    const weak = await appToken(sim, HELPDESK.appId, HELPDESK.secret);
    for (const path of [AUDITS, '/auditLogs/signIns', `${sim.authorityHost}/beta/auditLogs/signIns`]) {
      const answer = await graph(sim, weak, 'GET', path);
      assert.equal(answer.status, 403, path);
      assert.deepEqual(
        [(answer.json.error as { code: string }).code, (answer.json.error as { message: string }).message],
        [
          'Authentication_MSGraphPermissionMissing',
          'Calling principal does not have required MSGraph permissions AuditLog.Read.All',
        ],
      );
    }
  });

  it('logs service principal sign-ins, issued and refused, on /beta only', async () => {
    const start = new Date(Date.now() - 1000).toISOString();
    await requestToken(sim, CI);
    await requestToken(sim, { appId: CONTOSO_CI.appId, secret: 'not-the-secret-at-all-xx' });
    await requestToken(sim, { appId: HELPDESK.appId, secret: HELPDESK.expiredSecret });
    const typed = `signInEventTypes/any(t: t eq 'servicePrincipal') and createdDateTime ge ${start}`;
    const ci = await betaSignIns(`appId eq '${CONTOSO_CI.appId}' and ${typed}`);
    assert.deepEqual(
      ci.map((s) => [s.status.errorCode, s.servicePrincipalId, s.servicePrincipalCredentialKeyId, s.signInEventTypes]),
      [
        [7000215, CONTOSO_CI.spId, null, ['servicePrincipal']],
        [0, CONTOSO_CI.spId, CONTOSO_CI.secret.keyId, ['servicePrincipal']],
      ],
    );
    assert.match(ci[0]?.status.failureReason ?? '', /Invalid client secret provided/);
    const helpdesk = await betaSignIns(`servicePrincipalId eq '${HELPDESK.spId}' and ${typed}`);
    assert.deepEqual(
      helpdesk.map((s) => s.status.errorCode),
      [7000222],
    );
    assert.equal(
      (await betaSignIns(`status/errorCode eq 0 and ${typed}`)).length,
      2,
      'the responder’s own sign-in too',
    );

    // v1.0 lists only interactive sign-ins and has no signInEventTypes to filter on.
    const v1 = await graph(sim, token, 'GET', '/auditLogs/signIns');
    assert.deepEqual(v1.json.value, []);
    const v1Typed = await graph(sim, token, 'GET', `/auditLogs/signIns${q(typed)}`);
    assert.equal(v1Typed.status, 400);
    // beta without an explicit event type: interactive only.
    assert.deepEqual(await betaSignIns(`appId eq '${CONTOSO_CI.appId}'`), []);
    // Other beta routes are not served.
    assert.equal((await graph(sim, token, 'GET', `${sim.authorityHost}/beta/users/${HELPDESK.spId}`)).status, 400);
  });

  it("logs a refresh token's redemption as a non-interactive user sign-in", async () => {
    const { refreshGrant, ADELE } = await import('./test-support.js');
    await refreshGrant(sim, ADELE.stolenRefreshToken);
    const signIns = await betaSignIns(`userId eq '${ADELE.id}' and signInEventTypes/any(t: t eq 'nonInteractiveUser')`);
    assert.equal(signIns.length, 1);
    assert.equal(signIns[0]?.appId, '7bc8af83-0d73-4bca-a228-a68418ac4812');
  });

  it('shows a record only once the log has it', async () => {
    sim.setLogDelay(60_000);
    try {
      await backdoorApplication(sim, CI, { appId: PAYROLL_EXPORT.appId });
      assert.equal((await audits()).value.length, 0, 'not yet delivered');
      assert.equal(sim.directoryAudits().length, 1, 'but recorded');
    } finally {
      sim.setLogDelay(0);
    }
    assert.equal((await audits()).value.length, 1);
  });

  it('takes the attacker’s reuse of a removed secret as a refused sign-in', async () => {
    const backdoor = await backdoorApplication(sim, CI, { appId: PAYROLL_EXPORT.appId });
    assert.equal(
      (await useStolenCredential(sim, { appId: PAYROLL_EXPORT.appId, secret: backdoor.secret })).token.status,
      200,
    );
    await graph(sim, token, 'POST', `/applications/${PAYROLL_EXPORT.applicationId}/removePassword`, {
      keyId: backdoor.keyId,
    });
    const refused = await useStolenCredential(sim, { appId: PAYROLL_EXPORT.appId, secret: backdoor.secret });
    assert.deepEqual(
      [refused.token.status, refused.token.code, refused.graphStatus],
      [401, 'AADSTS7000215', undefined],
    );
    const log = sim.signIns().filter((s) => s.appId === PAYROLL_EXPORT.appId);
    assert.deepEqual(
      log.map((s) => s.status.errorCode),
      [0, 7000215],
    );
  });

  it('lets Application.ReadWrite.OwnedBy change only the apps its service principal owns', async () => {
    const seed = loadEntraSeed(DEFAULT_SEED_PATH);
    const owned = structuredClone(seed);
    owned.appRoleAssignments = [
      ...(owned.appRoleAssignments ?? []).filter((a) => a.principalId !== CONTOSO_CI.spId),
      {
        id: 'OwnedByOwnedByOwnedByOwnedByOwnedByOwnedBy1',
        principalId: CONTOSO_CI.spId,
        resourceId: '785f4211-bdb3-4d8a-a360-4b7e108c9d65',
        appRole: 'Application.ReadWrite.OwnedBy',
      },
    ];
    owned.applications = (owned.applications ?? []).map((a) =>
      a.appId === CONTOSO_CI.appId ? { ...a, owners: [CONTOSO_CI.spId] } : a,
    );
    sim.reset(owned);
    await assert.rejects(backdoorApplication(sim, CI, { appId: PAYROLL_EXPORT.appId }), /403/);
    const own = await backdoorApplication(sim, CI, { appId: CONTOSO_CI.appId });
    assert.ok(own.keyId);
  });
});

describe('Entra logs in the state file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'entra-sim-logs-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the application changes, the audit log and the sign-in log across a restart', async () => {
    const stateFile = join(dir, 'entra.json');
    const first = await startTrustedSimulator({ stateFile });
    const backdoor = await backdoorApplication(first, CI, { appId: PAYROLL_EXPORT.appId });
    const planted = await federatedCredentialBackdoor(first, CI, { appId: PAYROLL_EXPORT.appId });
    const audits = first.directoryAudits();
    const signIns = first.signIns();
    await first.close();

    const second = await startTrustedSimulator({ stateFile });
    try {
      assert.deepEqual(second.directoryAudits(), audits);
      assert.deepEqual(second.signIns(), signIns);
      assert.ok(second.application(PAYROLL_EXPORT.appId)?.passwordKeyIds.includes(backdoor.keyId));
      assert.ok(
        second
          .application(PAYROLL_EXPORT.appId)
          ?.federatedIdentityCredentials.some((f) => f.id === planted.credentialId),
      );
      // The planted secret still works after the restart, and the log is readable through Graph.
      assert.equal((await requestToken(second, { appId: PAYROLL_EXPORT.appId, secret: backdoor.secret })).status, 200);
      const token = await responderToken(second);
      const read = await graph(second, token, 'GET', `${AUDITS}${q(`initiatedBy/app/appId eq '${CONTOSO_CI.appId}'`)}`);
      assert.equal((read.json.value as unknown[]).length, 2);
      second.reset();
      assert.deepEqual(second.directoryAudits(), []);
    } finally {
      await second.close();
    }
  });
});
