// The GCP sweep and watch against the sandbox's Cloud Audit Logs, as Stratus Red Team's
// gcp.persistence.create-service-account-key leaves them, with the impersonation it leads to: the stolen key makes
// itself a new key, grants its account roles/iam.serviceAccountTokenCreator on the deployer, mints the deployer a
// token and uses both. The real @googleapis/logging client reads what the simulator recorded.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GcpFinding, TimelineEntry, type GcpSweepRequest } from '../domain/sweep.js';
import { GCP_SANDBOX, startGcpSimulator, type GcpSimulator } from '../simulators/gcp/index.js';
import {
  createServiceAccountKey,
  exchangeKeyForToken,
  generateAccessToken,
  GenerateAccessTokenError,
  grantTokenCreator,
  useCredential,
} from '../simulators/gcp/stratus.js';
import { iamClient, keyFile, loggingClient } from '../simulators/gcp/test-support.js';
import { InvalidRequestError, PermissionDeniedError, ThrottledError } from './errors.js';
import { readGcpAudit, watchGcp } from './gcp-audit.js';

const { projectId, compromised, responder, bystander, deployer } = GCP_SANDBOX;
const ETL = `serviceAccount:${compromised.email}`;
const stolen = () => ({ keyFile: keyFile(compromised.stolenKeyName) });
const QUICK = { paceMs: 0 };

describe('the GCP sweep (Cloud Audit Logs)', () => {
  let sim: GcpSimulator;
  before(async () => {
    sim = await startGcpSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const logging = (key = responder.keyName) => loggingClient(sim, keyFile(key));
  const request = (overrides: Partial<GcpSweepRequest> = {}): GcpSweepRequest => ({
    projectId,
    emails: [],
    keyNames: [compromised.stolenKeyName],
    since: new Date(Date.now() - 60_000).toISOString(),
    ...overrides,
  });

  /** The attacker's moves with etl-runner's stolen key; returns what it planted. */
  async function detonate() {
    await useCredential(sim, stolen());
    const backdoor = await createServiceAccountKey(sim, stolen());
    await grantTokenCreator(sim, stolen(), deployer.email, ETL);
    const { accessToken } = await generateAccessToken(sim, stolen(), deployer.email);
    // What the backdoor and the token are then used for: reading the bystander's account.
    await useCredential(sim, { keyFile: backdoor.keyFile }, bystander.email);
    await useCredential(sim, { accessToken }, bystander.email);
    return { ...backdoor, accessToken };
  }

  it('finds the new key, the token creator grant and the minted token, and what the key and token did next', async () => {
    const { keyName } = await detonate();
    // The responder's own reads are not the attacker's: they must not appear.
    await iamClient(sim, keyFile(responder.keyName)).projects.serviceAccounts.get({
      name: `projects/${projectId}/serviceAccounts/${bystander.email}`,
    });
    const sweep = await readGcpAudit(logging(), request(), QUICK);
    assert.equal(sweep.provider, 'gcp');
    assert.equal(sweep.scope, projectId);
    assert.equal(sweep.incomplete, undefined);
    assert.deepEqual(
      sweep.findings.map((f) => [f.kind, f.email, f.keyName ?? f.member ?? '']),
      [
        ['gcp.key', compromised.email, keyName],
        ['gcp.token-creator', deployer.email, ETL],
        ['gcp.access-token', deployer.email, ''],
      ],
    );
    const grant = sweep.findings[1];
    assert.equal(grant?.role, 'roles/iam.serviceAccountTokenCreator');
    for (const finding of sweep.findings) assert.ok(GcpFinding.safeParse(finding).success, finding.kind);
    const actions = sweep.timeline.map((e) => `${e.action} by ${e.by}${e.readOnly ? ' (read)' : ''}`);
    const stolenId = compromised.stolenKeyName.split('/').pop() ?? '';
    const backdoorId = keyName.split('/').pop() ?? '';
    assert.deepEqual(actions, [
      `google.iam.admin.v1.GetServiceAccount by ${stolenId} (read)`,
      `google.iam.admin.v1.CreateServiceAccountKey by ${stolenId}`,
      `google.iam.admin.v1.GetIAMPolicy by ${stolenId} (read)`,
      `google.iam.admin.v1.SetIAMPolicy by ${stolenId}`,
      `GenerateAccessToken by ${stolenId}`,
      // Followed one level: the backdoor key's call, and the deployer's call made with the minted token.
      `google.iam.admin.v1.GetServiceAccount by ${backdoorId} (read)`,
      `google.iam.admin.v1.GetServiceAccount by ${deployer.email} (read)`,
    ]);
    for (const entry of sweep.timeline) assert.ok(TimelineEntry.safeParse(entry).success, entry.action);
    assert.equal(new Set(sweep.timeline.map((e) => e.eventId)).size, sweep.timeline.length);
    assert.equal(sweep.lookups, 2, 'the stolen key, then what it made, each one query');
  });

  it('reads an account by its email too, each entry and finding once', async () => {
    await detonate();
    // A second token for the same account is the same finding.
    await generateAccessToken(sim, stolen(), deployer.email);
    const byKey = await readGcpAudit(logging(), request(), QUICK);
    const both = await readGcpAudit(logging(), request({ emails: [compromised.email] }), QUICK);
    assert.equal(both.findings.filter((f) => f.kind === 'gcp.access-token').length, 1);
    assert.deepEqual(
      both.findings.map((f) => f.kind),
      byKey.findings.map((f) => f.kind),
    );
    assert.equal(new Set(both.timeline.map((e) => e.eventId)).size, both.timeline.length);
    // By email it also sees the calls of etl-runner's other keys (here: the backdoor's own).
    assert.ok(both.timeline.length >= byKey.timeline.length);
  });

  it('records a refused call in the timeline with its error, and finds nothing in it', async () => {
    await assert.rejects(
      generateAccessToken(sim, stolen(), deployer.email),
      (e: unknown) => e instanceof GenerateAccessTokenError,
    );
    const sweep = await readGcpAudit(logging(), request(), QUICK);
    assert.deepEqual(
      sweep.timeline.map((e) => [e.action, e.error]),
      [['GenerateAccessToken', 'PERMISSION_DENIED']],
    );
    assert.deepEqual(sweep.findings, []);
  });

  it('reads every page, and says it is incomplete past its page cap', async () => {
    await detonate();
    const paged = await readGcpAudit(logging(), request(), { ...QUICK, pageSize: 2 });
    const whole = await readGcpAudit(logging(), request(), QUICK);
    assert.deepEqual(paged.timeline, whole.timeline);
    assert.deepEqual(paged.findings, whole.findings);
    assert.ok(paged.lookups > whole.lookups, `${paged.lookups} pages`);
    const capped = await readGcpAudit(logging(), request(), { ...QUICK, pageSize: 2, maxPages: 1 });
    assert.match(capped.incomplete ?? '', /more than 1 pages/);
    assert.ok(capped.timeline.length < whole.timeline.length);
  });

  it('waits out Cloud Logging throttling as Retry-After says, and gives the retry to Temporal after a few', async () => {
    await detonate();
    sim.injectFault({ method: 'entries.list', status: 429, retryAfterSeconds: 1, times: 2 });
    const started = Date.now();
    const sweep = await readGcpAudit(logging(), request(), QUICK);
    assert.ok(Date.now() - started >= 2000, 'two Retry-After waits of a second');
    assert.equal(sweep.findings.length, 3);
    assert.equal(sweep.lookups, 2, 'throttled tries are not counted');
    sim.injectFault({ method: 'entries.list', status: 429, times: 5 });
    await assert.rejects(readGcpAudit(logging(), request(), { paceMs: 1, throttleRetries: 2 }), ThrottledError);
  });

  it('says what to grant when the reader may not read the logs, and refuses a window that is not a time', async () => {
    await assert.rejects(readGcpAudit(logging(bystander.keyName), request(), QUICK), (error: unknown) => {
      assert.ok(error instanceof PermissionDeniedError, String(error));
      assert.match(error.message, /logging\.logEntries\.list/);
      assert.match(error.message, /roles\/logging\.privateLogViewer/);
      return true;
    });
    await assert.rejects(readGcpAudit(logging(), request({ since: 'last week' }), QUICK), InvalidRequestError);
  });
});

describe('the GCP watch (Cloud Audit Logs after the cut-off)', () => {
  let sim: GcpSimulator;
  before(async () => {
    sim = await startGcpSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const playbook = () => iamClient(sim, keyFile(responder.keyName)).projects.serviceAccounts;

  it('raises a token minted before the cut-off and used after, flags a refused attempt, and hears nothing from a disabled key', async () => {
    // Before containment: a token for the deployer, a /token exchange with the stolen key, a backdoor key.
    const { keyFile: backdoor } = await createServiceAccountKey(sim, stolen());
    await grantTokenCreator(sim, stolen(), deployer.email, ETL);
    const { accessToken } = await generateAccessToken(sim, stolen(), deployer.email);
    const exchanged = await exchangeKeyForToken(sim, keyFile(compromised.stolenKeyName));
    await useCredential(sim, stolen());
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Containment: the stolen key disabled, the grant removed.
    await playbook().keys.disable({ name: compromised.stolenKeyName, requestBody: {} });
    await playbook().setIamPolicy({
      resource: `projects/${projectId}/serviceAccounts/${deployer.email}`,
      requestBody: { policy: { bindings: [{ role: 'roles/iam.serviceAccountAdmin', members: [ETL] }] } },
    });
    const cutOff = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    // After: the stolen key (refused before it is logged), the minted token, the exchanged token, and the backdoor
    // trying to mint again.
    assert.equal(await useCredential(sim, stolen()), 401);
    assert.equal(await useCredential(sim, { accessToken }, bystander.email), 200);
    assert.equal(await useCredential(sim, { accessToken: exchanged.accessToken }, compromised.email), 200);
    await assert.rejects(generateAccessToken(sim, { keyFile: backdoor }, deployer.email), GenerateAccessTokenError);

    const watch = await watchGcp(
      loggingClient(sim, keyFile(responder.keyName)),
      {
        provider: 'gcp',
        scope: projectId,
        since: cutOff,
        credentials: [
          { provider: 'gcp', scope: projectId, kind: 'key', id: compromised.stolenKeyName },
          { provider: 'gcp', scope: projectId, kind: 'serviceAccount', id: compromised.email },
        ],
      },
      QUICK,
    );
    assert.equal(watch.provider, 'gcp');
    assert.deepEqual(
      watch.hits.map((h) => [h.credential.kind, h.entry.action, h.entry.by, h.refused]),
      [
        ['serviceAccount', 'google.iam.admin.v1.GetServiceAccount', deployer.email, false],
        ['key', 'google.iam.admin.v1.GetServiceAccount', compromised.stolenKeyName.split('/').pop(), false],
        ['serviceAccount', 'google.iam.admin.v1.GetServiceAccount', compromised.stolenKeyName.split('/').pop(), false],
        ['serviceAccount', 'GenerateAccessToken', backdoor.private_key_id, true],
      ],
    );
    assert.ok(watch.hits.every((h) => Date.parse(h.entry.at) >= Date.parse(cutOff)));
  });

  it('is quiet when nothing was used after the cut-off, and ignores credentials of other projects', async () => {
    await useCredential(sim, stolen());
    const since = new Date(Date.now() + 10).toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const watch = await watchGcp(
      loggingClient(sim, keyFile(responder.keyName)),
      {
        provider: 'gcp',
        scope: projectId,
        since,
        credentials: [
          { provider: 'gcp', scope: projectId, kind: 'key', id: compromised.stolenKeyName },
          { provider: 'gcp', scope: 'acme-data', kind: 'serviceAccount', id: compromised.email },
        ],
      },
      QUICK,
    );
    assert.deepEqual(watch.hits, []);
    assert.equal(watch.lookups, 1);
  });
});
