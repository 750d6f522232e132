// The Entra sweep and watch against the sandbox tenant's audit and sign-in logs, as Stratus Red Team's
// entra-id.persistence.backdoor-application leaves them (a secret added to Payroll Export with contoso-ci's stolen
// secret), and a federated credential planted the same way. Revoker's Graph client reads what the simulator recorded.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { EntraFinding, TimelineEntry, type EntraSweepRequest, type WatchRequest } from '../domain/sweep.js';
import type { EntraSimulator } from '../simulators/entra/index.js';
import { backdoorApplication, federatedCredentialBackdoor, useStolenCredential } from '../simulators/entra/stratus.js';
import {
  ADELE,
  CONTOSO_CI,
  graph as rawGraph,
  PAYROLL_EXPORT,
  refreshGrant,
  RESPONDER,
  responderToken,
  secretCredential,
  startTrustedSimulator,
  TENANT_ID,
} from '../simulators/entra/test-support.js';
import { InvalidRequestError, ThrottledError } from './errors.js';
import { entraFindingsOf, readEntraAudit, watchEntra, type DirectoryAudit } from './entra-audit.js';
import { createEntraActivities, singleTenant } from './entra.js';
import { createGraphClient } from './graph-client.js';

const CI = { appId: CONTOSO_CI.appId, secret: CONTOSO_CI.secret.secret };
const PAYROLL = { appId: PAYROLL_EXPORT.appId };

describe('the Entra sweep (directoryAudits and signIns)', () => {
  let sim: EntraSimulator;
  before(async () => {
    sim = await startTrustedSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const graph = () =>
    createGraphClient({
      credential: secretCredential(sim, RESPONDER.appId, RESPONDER.secret),
      baseUrl: sim.graphEndpoint,
    });
  const request = (overrides: Partial<EntraSweepRequest> = {}): EntraSweepRequest => ({
    tenantId: TENANT_ID,
    appIds: [CONTOSO_CI.appId],
    userIds: [],
    since: new Date(Date.now() - 60_000).toISOString(),
    ...overrides,
  });

  it('finds the secret the stolen app added to another application, and reads what the backdoor did next', async () => {
    const backdoor = await backdoorApplication(sim, CI, PAYROLL);
    // The backdoor used: a token for Payroll Export with the planted secret.
    await useStolenCredential(sim, { appId: PAYROLL_EXPORT.appId, secret: backdoor.secret });
    const sweep = await readEntraAudit(graph(), request());
    assert.equal(sweep.provider, 'entra');
    assert.equal(sweep.scope, TENANT_ID);
    assert.equal(sweep.incomplete, undefined);
    assert.deepEqual(
      sweep.findings.map((f) => [f.kind, f.appId, f.applicationId, f.credentialId, f.credentialName]),
      [
        [
          'entra.credential',
          PAYROLL_EXPORT.appId,
          PAYROLL_EXPORT.applicationId,
          backdoor.keyId,
          'Stratus Red Team backdoor',
        ],
      ],
    );
    for (const finding of sweep.findings) assert.ok(EntraFinding.safeParse(finding).success, finding.kind);
    assert.equal(sweep.findings[0]?.from?.action, 'Update application – Certificates and secrets management');
    const lines = sweep.timeline.map((e) => `${e.action} by ${e.by}${e.readOnly ? ' (read)' : ''}`);
    assert.deepEqual(lines, [
      // backdoorApplication's token, then the change; the backdoor's own token is read because its app was followed.
      `Sign-in by ${CONTOSO_CI.appId} (read)`,
      `Update application – Certificates and secrets management by ${CONTOSO_CI.appId}`,
      `Sign-in by ${PAYROLL_EXPORT.appId} (read)`,
    ]);
    for (const entry of sweep.timeline) assert.ok(TimelineEntry.safeParse(entry).success, entry.action);
    assert.ok(sweep.lookups >= 4, `each app's audits and sign-ins were read (${sweep.lookups})`);
    assert.ok(!JSON.stringify(sweep).includes(backdoor.secret), 'no secret in what the sweep returns');
  });

  it('finds a federated credential, with its issuer, subject and the id Graph gave it', async () => {
    const planted = await federatedCredentialBackdoor(sim, CI, PAYROLL);
    const sweep = await readEntraAudit(graph(), request());
    assert.deepEqual(
      sweep.findings.map((f) => [f.kind, f.appId, f.applicationId, f.credentialId, f.credentialName, f.subject]),
      [
        [
          'entra.federated-credential',
          PAYROLL_EXPORT.appId,
          PAYROLL_EXPORT.applicationId,
          planted.credentialId,
          planted.name,
          planted.subject,
        ],
      ],
    );
    assert.equal(sweep.findings[0]?.issuer, planted.issuer);
  });

  it('reads only the window, and the apps asked about', async () => {
    await backdoorApplication(sim, CI, PAYROLL);
    const later = await readEntraAudit(graph(), request({ since: new Date(Date.now() + 60_000).toISOString() }));
    assert.deepEqual([later.findings, later.timeline], [[], []]);
    const other = await readEntraAudit(graph(), request({ appIds: [RESPONDER.appId] }));
    assert.deepEqual(other.findings, [], "the responder's calls are not the attacker's");
    await assert.rejects(
      readEntraAudit(graph(), request({ since: 'yesterday' })),
      (error) => error instanceof InvalidRequestError && /not a time/.test(error.message),
    );
  });

  it('says incomplete when the log has more pages than it reads, and how many apps it left', async () => {
    await backdoorApplication(sim, CI, PAYROLL);
    await backdoorApplication(sim, CI, PAYROLL, 'second');
    const capped = await readEntraAudit(graph(), request(), { pageSize: 1, maxPages: 1 });
    assert.match(capped.incomplete ?? '', /more than 1 pages: only the first 1 records/);
    const narrow = await readEntraAudit(graph(), request({ appIds: [CONTOSO_CI.appId, RESPONDER.appId] }), {
      maxApps: 1,
    });
    // The responder's app asked about, and Payroll Export the backdoor opened: both unread, both named.
    assert.match(narrow.incomplete ?? '', /^2 more apps than the sweep reads \(1\)/);
    assert.ok(narrow.incomplete?.includes(RESPONDER.appId) && narrow.incomplete.includes(PAYROLL_EXPORT.appId));
  });

  it("waits out Graph's Retry-After in place, and hands a long one to Temporal", async () => {
    await backdoorApplication(sim, CI, PAYROLL);
    sim.injectFault({ path: '/auditLogs/directoryAudits', status: 429, retryAfterSeconds: 1, times: 1 });
    const started = Date.now();
    const sweep = await readEntraAudit(graph(), request());
    assert.ok(Date.now() - started >= 900, 'the Retry-After was honoured');
    assert.equal(sweep.findings.length, 1);
    sim.injectFault({ path: '/auditLogs/directoryAudits', status: 429, retryAfterSeconds: 120, times: 1 });
    await assert.rejects(readEntraAudit(graph(), request()), ThrottledError);
  });

  it('is the sweepEntraTenant activity, in the request tenant only', async () => {
    await backdoorApplication(sim, CI, PAYROLL);
    const activities = createEntraActivities(singleTenant({ graph: graph(), tenantId: TENANT_ID }));
    const sweep = await activities.sweepEntraTenant(request());
    assert.equal(sweep.findings.length, 1);
    await assert.rejects(
      activities.sweepEntraTenant(request({ tenantId: '00000000-0000-0000-0000-000000000000' })),
      /topology/,
    );
  });

  describe('the watch', () => {
    const watch = (overrides: Partial<WatchRequest> = {}): WatchRequest => ({
      provider: 'entra',
      scope: TENANT_ID,
      credentials: [{ provider: 'entra', scope: TENANT_ID, kind: 'app', id: CONTOSO_CI.appId }],
      since: new Date(Date.now() - 1000).toISOString(),
      ...overrides,
    });

    it('is quiet when nothing is used after the cut-off', async () => {
      await useStolenCredential(sim, CI);
      const quiet = await watchEntra(graph(), watch({ since: new Date(Date.now() + 1000).toISOString() }));
      assert.deepEqual(quiet.hits, []);
    });

    it('calls a refused sign-in an attempt, and a token issued a breach', async () => {
      const cutOff = new Date().toISOString();
      // The secret still works: a breach.
      await useStolenCredential(sim, CI);
      // Then the secret comes off, as the playbook's step does, and the attacker tries again.
      const token = await responderToken(sim);
      const removed = await rawGraph(sim, token, 'POST', `/applications/${CONTOSO_CI.applicationId}/removePassword`, {
        keyId: CONTOSO_CI.secret.keyId,
      });
      assert.equal(removed.status, 204);
      const refused = await useStolenCredential(sim, CI);
      assert.equal(refused.token.code, 'AADSTS7000215');
      const found = await watchEntra(graph(), watch({ since: cutOff }));
      assert.deepEqual(
        found.hits.map((h) => [h.entry.action, h.refused, h.entry.error?.split(':')[0]]),
        [
          ['Sign-in', false, undefined],
          ['Sign-in', true, '7000215'],
        ],
      );
      assert.ok(found.hits.every((h) => h.credential.id === CONTOSO_CI.appId));
    });

    it('follows one planted secret by its key id, and ignores other tenants', async () => {
      const backdoor = await backdoorApplication(sim, CI, PAYROLL);
      const cutOff = new Date().toISOString();
      await useStolenCredential(sim, { appId: PAYROLL_EXPORT.appId, secret: backdoor.secret });
      await useStolenCredential(sim, { appId: PAYROLL_EXPORT.appId, secret: PAYROLL_EXPORT.secret.secret });
      const key = { provider: 'entra' as const, scope: TENANT_ID, kind: 'key' as const, id: backdoor.keyId };
      const elsewhere = { ...key, scope: '00000000-0000-0000-0000-000000000000' };
      const found = await watchEntra(graph(), watch({ since: cutOff, credentials: [key, elsewhere] }));
      assert.equal(found.hits.length, 1, "only the backdoor's own use, not the owner's secret");
      assert.deepEqual(found.hits[0]?.credential, key);
      assert.equal(found.hits[0]?.refused, false);
    });

    it("follows a user: the stolen refresh token's redemptions, a revoked one refused", async () => {
      const cutOff = new Date().toISOString();
      assert.equal((await refreshGrant(sim, ADELE.stolenRefreshToken)).status, 200);
      const token = await responderToken(sim);
      assert.equal((await rawGraph(sim, token, 'POST', `/users/${ADELE.id}/revokeSignInSessions`)).status, 200);
      assert.equal((await refreshGrant(sim, ADELE.stolenRefreshToken)).status, 400);
      const user = { provider: 'entra' as const, scope: TENANT_ID, kind: 'user' as const, id: ADELE.id };
      const found = await watchEntra(graph(), watch({ since: cutOff, credentials: [user] }));
      assert.deepEqual(
        found.hits.map((h) => [h.entry.action, h.entry.by, h.refused]),
        [
          ['Sign-in', ADELE.upn, false],
          ['Sign-in', ADELE.upn, true],
        ],
      );
      // The sweep of the same user reads them too, and the revocation the responder made is not the user's.
      const sweep = await readEntraAudit(graph(), request({ appIds: [], userIds: [ADELE.id], since: cutOff }));
      assert.deepEqual(
        sweep.timeline.map((e) => [e.action, e.readOnly]),
        [
          ['Sign-in', true],
          ['Sign-in', true],
        ],
      );
      assert.deepEqual(sweep.findings, []);
    });

    it('is the watchEntraTenant activity', async () => {
      await useStolenCredential(sim, CI);
      const activities = createEntraActivities(singleTenant({ graph: graph(), tenantId: TENANT_ID }));
      const found = await activities.watchEntraTenant(watch({ since: new Date(Date.now() - 60_000).toISOString() }));
      assert.equal(found.hits.length, 1);
    });
  });
});

describe('what an Entra audit record left behind', () => {
  const record = (overrides: Partial<DirectoryAudit> = {}): DirectoryAudit => ({
    id: 'Directory_1',
    activityDisplayName: 'Update application - Certificates and secrets management',
    activityDateTime: '2026-12-01T10:00:00Z',
    result: 'success',
    initiatedBy: { app: { appId: CONTOSO_CI.appId } },
    targetResources: [
      {
        id: PAYROLL_EXPORT.applicationId,
        type: 'Application',
        modifiedProperties: [
          {
            displayName: 'KeyDescription',
            oldValue: JSON.stringify([`[KeyIdentifier=OLD,KeyType=Password,KeyUsage=Verify,DisplayName=owner]`]),
            newValue: JSON.stringify([
              `[KeyIdentifier=OLD,KeyType=Password,KeyUsage=Verify,DisplayName=owner]`,
              `[KeyIdentifier=NEW,KeyType=Password,KeyUsage=Verify,DisplayName=planted]`,
            ]),
          },
        ],
      },
    ],
    ...overrides,
  });

  it('is the keys that are new, with an export’s hyphen as with Entra’s en dash', () => {
    const findings = entraFindingsOf(record(), TENANT_ID);
    assert.deepEqual(
      findings.map((f) => [f.credentialId, f.credentialName]),
      [['new', 'planted']],
    );
  });

  it('is nothing for a failed change, a removed key, or an activity that adds no way in', () => {
    assert.deepEqual(entraFindingsOf(record({ result: 'failure' }), TENANT_ID), []);
    const removal = record();
    const property = removal.targetResources?.[0]?.modifiedProperties?.[0];
    if (property) [property.oldValue, property.newValue] = [property.newValue, property.oldValue];
    assert.deepEqual(entraFindingsOf(removal, TENANT_ID), []);
    assert.deepEqual(entraFindingsOf(record({ activityDisplayName: 'Update user' }), TENANT_ID), []);
  });

  it('is consent granted to an app, by its client id', () => {
    const consent = entraFindingsOf(
      record({
        activityDisplayName: 'Consent to application',
        targetResources: [
          {
            id: PAYROLL_EXPORT.spId,
            type: 'ServicePrincipal',
            modifiedProperties: [{ displayName: 'ServicePrincipal.AppId', newValue: `"${PAYROLL_EXPORT.appId}"` }],
          },
        ],
      }),
      TENANT_ID,
    );
    assert.deepEqual(
      consent.map((f) => [f.kind, f.appId, f.servicePrincipalId]),
      [['entra.consent', PAYROLL_EXPORT.appId, PAYROLL_EXPORT.spId]],
    );
  });

  it('does not trip over null, odd values or missing fields', () => {
    const odd = record({
      initiatedBy: null,
      targetResources: [
        {
          id: null,
          type: 'Application',
          modifiedProperties: [{ displayName: 'KeyDescription', newValue: '{not json' }],
        },
        { type: null, modifiedProperties: null },
      ],
      additionalDetails: null,
    });
    assert.deepEqual(entraFindingsOf(odd, TENANT_ID), []);
  });
});
