import type { logging_v2 } from '@googleapis/logging';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GCP_SANDBOX, startGcpSimulator, type GcpSimulator } from './index.js';
import { createServiceAccountKey, generateAccessToken, grantTokenCreator, useCredential } from './stratus.js';
import { googleError, iamClient, keyFile, loggingClient } from './test-support.js';

const { projectId, projectNumber, compromised, responder, bystander, deployer } = GCP_SANDBOX;
const ACTIVITY = `projects/${projectId}/logs/cloudaudit.googleapis.com%2Factivity`;
const DATA_ACCESS = `projects/${projectId}/logs/cloudaudit.googleapis.com%2Fdata_access`;
const ETL = `serviceAccount:${compromised.email}`;
const stolen = () => ({ keyFile: keyFile(compromised.stolenKeyName) });
const stolenKeyResource = `//iam.googleapis.com/${compromised.stolenKeyName}`;

/** The AuditLog fields these tests read. */
interface AuditPayload {
  '@type'?: string;
  serviceName?: string;
  methodName?: string;
  resourceName?: string;
  status?: { code?: number; message?: string };
  authenticationInfo?: {
    principalEmail?: string;
    serviceAccountKeyName?: string;
    serviceAccountDelegationInfo?: unknown[];
  };
  authorizationInfo?: { granted?: boolean }[];
  request?: { '@type'?: string; policy?: { bindings?: { role: string }[] } };
  response?: { '@type'?: string; name?: string };
  serviceData?: { policyDelta?: { bindingDeltas?: unknown[] } };
}
const payload = (entry: logging_v2.Schema$LogEntry | undefined) => (entry?.protoPayload ?? {}) as AuditPayload;

describe('GCP simulator: Cloud Audit Logs through entries.list (@googleapis/logging)', () => {
  let sim: GcpSimulator;
  before(async () => {
    sim = await startGcpSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const reader = () => loggingClient(sim, keyFile(responder.keyName));
  const list = async (filter: string, extra: logging_v2.Schema$ListLogEntriesRequest = {}) =>
    (await reader().entries.list({ requestBody: { resourceNames: [`projects/${projectId}`], filter, ...extra } })).data;
  /** The attack: a new key, a token creator grant on the deployer, a token for it, a call with that token. */
  const detonate = async () => {
    const created = await createServiceAccountKey(sim, stolen());
    await grantTokenCreator(sim, stolen(), deployer.email, ETL);
    const { accessToken } = await generateAccessToken(sim, stolen(), deployer.email);
    await useCredential(sim, { accessToken }, bystander.email);
    return { ...created, accessToken };
  };

  it('records CreateServiceAccountKey as Admin Activity with the new key name and the stolen key that made it', async () => {
    const { keyName } = await createServiceAccountKey(sim, stolen());
    const { entries } = await list('protoPayload.methodName="google.iam.admin.v1.CreateServiceAccountKey"');
    assert.equal(entries?.length, 1);
    const [entry] = entries ?? [];
    assert.equal(entry?.logName, ACTIVITY);
    assert.equal(entry?.severity, 'NOTICE');
    assert.deepEqual(entry?.resource, {
      type: 'service_account',
      labels: { email_id: compromised.email, project_id: projectId, unique_id: compromised.uniqueId },
    });
    assert.ok(Date.parse(entry?.receiveTimestamp ?? '') >= Date.parse(entry?.timestamp ?? ''));
    const p = payload(entry);
    assert.equal(p['@type'], 'type.googleapis.com/google.cloud.audit.AuditLog');
    assert.equal(p.serviceName, 'iam.googleapis.com');
    assert.equal(p.resourceName, `projects/-/serviceAccounts/${compromised.uniqueId}`);
    assert.deepEqual(p.status, {});
    assert.equal(p.authenticationInfo?.principalEmail, compromised.email);
    assert.equal(p.authenticationInfo?.serviceAccountKeyName, stolenKeyResource);
    assert.equal(p.response?.name, keyName);
    assert.equal(p.response?.['@type'], 'type.googleapis.com/google.iam.admin.v1.ServiceAccountKey');
    assert.doesNotMatch(JSON.stringify(entry), /PRIVATE KEY|privateKeyData/, 'no secret in the log');
  });

  it('records SetIAMPolicy with the policy and its binding deltas, and GenerateAccessToken as Data Access', async () => {
    const condition = { title: 'a day', expression: 'request.time < timestamp("2099-01-01T00:00:00Z")' };
    await grantTokenCreator(sim, stolen(), deployer.email, ETL, { condition });
    await generateAccessToken(sim, stolen(), deployer.email);
    const [set] = (await list('protoPayload.methodName="google.iam.admin.v1.SetIAMPolicy"')).entries ?? [];
    const p = payload(set);
    assert.equal(set?.logName, ACTIVITY);
    assert.equal(p.request?.['@type'], 'type.googleapis.com/google.iam.v1.SetIamPolicyRequest');
    assert.ok(p.request?.policy?.bindings?.some((b) => b.role === 'roles/iam.serviceAccountTokenCreator'));
    assert.deepEqual(p.serviceData?.policyDelta?.bindingDeltas, [
      { action: 'ADD', role: 'roles/iam.serviceAccountTokenCreator', member: ETL, condition },
    ]);
    const [minted] = (await list('protoPayload.methodName="GenerateAccessToken"')).entries ?? [];
    const m = payload(minted);
    assert.equal(minted?.logName, DATA_ACCESS);
    assert.equal(m.serviceName, 'iamcredentials.googleapis.com');
    assert.equal(m.authenticationInfo?.principalEmail, compromised.email);
    assert.equal(minted?.resource?.labels?.['email_id'], deployer.email);
    assert.doesNotMatch(JSON.stringify(minted), /ya29\./, 'the token is never logged');
  });

  it('names the impersonator of a generated token, and no key, on the calls made with it', async () => {
    await detonate();
    const { entries } = await list(
      `protoPayload.authenticationInfo.serviceAccountDelegationInfo.firstPartyPrincipal.principalEmail="${compromised.email}"`,
    );
    assert.equal(entries?.length, 1);
    const auth = payload(entries?.[0]).authenticationInfo ?? {};
    assert.equal(auth.principalEmail, deployer.email);
    assert.deepEqual(auth.serviceAccountDelegationInfo, [
      { firstPartyPrincipal: { principalEmail: compromised.email } },
    ]);
    assert.equal(auth.serviceAccountKeyName, undefined);
  });

  it('records refused calls with their status, and none that failed to authenticate', async () => {
    await assert.rejects(
      iamClient(sim, keyFile(compromised.stolenKeyName)).projects.serviceAccounts.keys.disable({
        name: bystander.keyName,
        requestBody: {},
      }),
      googleError(403, 'PERMISSION_DENIED'),
    );
    await iamClient(sim, keyFile(responder.keyName)).projects.serviceAccounts.keys.disable({
      name: compromised.stolenKeyName,
      requestBody: {},
    });
    assert.equal(await useCredential(sim, stolen()), 401);
    const { entries } = await list(`protoPayload.authenticationInfo.principalEmail="${compromised.email}"`);
    assert.deepEqual(
      entries?.map((e) => [payload(e).methodName, payload(e).status]),
      [['google.iam.admin.v1.DisableServiceAccountKey', { code: 7, message: 'PERMISSION_DENIED' }]],
      'the refused disable is there; the 401 after containment is not',
    );
    assert.equal(entries?.[0]?.severity, 'ERROR');
    assert.equal(payload(entries?.[0]).authorizationInfo?.[0]?.granted, false);
  });

  it('filters with AND, OR, NOT, parentheses, has and time ranges, OR binding tighter than AND', async () => {
    const start = new Date().toISOString();
    await detonate();
    const all = (await list(`timestamp>="${start}"`, { pageSize: 1000 })).entries ?? [];
    assert.ok(all.length >= 5, `${all.length} entries`);
    const byMethod = (m: string) => all.filter((e) => payload(e).methodName === m).length;
    const creates = byMethod('google.iam.admin.v1.CreateServiceAccountKey');
    const sets = byMethod('google.iam.admin.v1.SetIAMPolicy');
    const count = async (filter: string) => (await list(filter, { pageSize: 1000 })).entries?.length ?? 0;
    assert.equal(
      await count(
        `protoPayload.methodName="google.iam.admin.v1.CreateServiceAccountKey" OR protoPayload.methodName="google.iam.admin.v1.SetIAMPolicy"`,
      ),
      creates + sets,
    );
    // `a AND b OR c` is `a AND (b OR c)`: the Data Access log's GenerateAccessToken, not also every key creation.
    assert.equal(
      await count(
        `logName="${DATA_ACCESS}" AND protoPayload.methodName="GenerateAccessToken" OR protoPayload.methodName="google.iam.admin.v1.CreateServiceAccountKey"`,
      ),
      byMethod('GenerateAccessToken'),
    );
    assert.ok(creates > 0 && byMethod('GenerateAccessToken') === 1);
    assert.equal(await count(`logName=("${ACTIVITY}" OR "${DATA_ACCESS}") timestamp>="${start}"`), all.length);
    assert.equal(
      await count(`timestamp>="${start}" NOT logName="${DATA_ACCESS}"`),
      all.filter((e) => e.logName === ACTIVITY).length,
    );
    assert.equal(await count(`timestamp>="${start}" -logName="${DATA_ACCESS}"`), await count(`logName="${ACTIVITY}"`));
    assert.equal(
      await count('protoPayload.methodName:"serviceaccountkey"'),
      creates + byMethod('google.iam.admin.v1.GetServiceAccountKey'),
    );
    assert.equal(await count(`resource.type="service_account" timestamp<"${start}"`), 0);
    assert.equal(
      await count(`protoPayload.authenticationInfo.serviceAccountKeyName:*`),
      all.filter((e) => payload(e).authenticationInfo?.serviceAccountKeyName).length,
    );
    assert.equal(await count(`protoPayload.status.code=7`), 0);
  });

  it('pages in timestamp order with a nextPageToken bound to its query, newest first on request', async () => {
    for (let i = 0; i < 5; i += 1) await useCredential(sim, stolen());
    const filter = `protoPayload.methodName="google.iam.admin.v1.GetServiceAccount"`;
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await list(filter, { pageSize: 2, ...(pageToken ? { pageToken } : {}) });
      pages += 1;
      assert.ok((page.entries?.length ?? 0) <= 2);
      seen.push(...(page.entries ?? []).map((e) => e.insertId ?? ''));
      pageToken = page.nextPageToken ?? undefined;
      // A call made while paging does not shift the pages.
      if (pages === 1) await useCredential(sim, stolen());
    } while (pageToken);
    assert.equal(pages, 3);
    assert.equal(new Set(seen).size, 5);
    const all = (await list(filter)).entries ?? [];
    assert.deepEqual(
      seen,
      all.slice(0, 5).map((e) => e.insertId),
    );
    const timestamps = all.map((e) => Date.parse(e.timestamp ?? ''));
    assert.deepEqual(
      timestamps,
      [...timestamps].sort((a, b) => a - b),
    );
    const desc = (await list(filter, { orderBy: 'timestamp desc' })).entries ?? [];
    assert.deepEqual(
      desc.map((e) => e.insertId),
      [...all].reverse().map((e) => e.insertId),
    );
    const first = await list(filter, { pageSize: 2 });
    await assert.rejects(
      list(`${filter} severity=INFO`, { pageToken: first.nextPageToken ?? '' }),
      googleError(400, 'INVALID_ARGUMENT', { message: /page_token/ }),
    );
  });

  it('answers 400 INVALID_ARGUMENT for what it cannot parse, naming where', async () => {
    for (const [filter, message] of [
      ['protoPayload.methodName="x" AND (', /syntax error at line 1, column \d+/],
      ['"unicorn"', /global restrictions/],
      ['unicorn', /global restrictions/],
      ['nosuchfield="x"', /unknown field "nosuchfield"/],
      ['protoPayload.methodName=~"("', /not a regular expression/],
      ['timestamp>="yesterday"', /not a timestamp/],
      ['protoPayload.methodName="unterminated', /unterminated string/],
    ] as const) {
      await assert.rejects(list(filter), googleError(400, 'INVALID_ARGUMENT', { message }), filter);
    }
    await assert.rejects(list('', { orderBy: 'insertId' }), googleError(400, 'INVALID_ARGUMENT'));
  });

  it('needs logging.logEntries.list, and logging.privateLogEntries.list for the Data Access log', async () => {
    await detonate();
    // reporting holds no logging role at all.
    await assert.rejects(
      loggingClient(sim, keyFile(bystander.keyName)).entries.list({
        requestBody: { resourceNames: [`projects/${projectId}`] },
      }),
      googleError(403, 'PERMISSION_DENIED', { message: /logging\.logEntries\.list/ }),
    );
    // etl-runner is a project viewer: the Admin Activity log, and no Data Access entries.
    const viewer = loggingClient(sim, keyFile(compromised.stolenKeyName));
    const { data } = await viewer.entries.list({
      requestBody: { resourceNames: [`projects/${projectId}`], pageSize: 1000 },
    });
    assert.ok((data.entries ?? []).length > 0);
    assert.ok((data.entries ?? []).every((e) => e.logName === ACTIVITY));
    await assert.rejects(
      viewer.entries.list({
        requestBody: { resourceNames: [`projects/${projectId}`], filter: `logName="${DATA_ACCESS}"` },
      }),
      googleError(403, 'PERMISSION_DENIED', { message: /logging\.privateLogEntries\.list/ }),
    );
    // A project the simulator does not serve is one nobody holds anything in.
    await assert.rejects(
      reader().entries.list({ requestBody: { resourceNames: ['projects/acme-elsewhere'] } }),
      googleError(403, 'PERMISSION_DENIED'),
    );
  });

  it('limits entries.list to its per-minute quota of the caller project: 429 RESOURCE_EXHAUSTED, then a minute later it reads again', async () => {
    let now = new Date();
    const limited = await startGcpSimulator({ now: () => now, logReadsPerMinute: 3 });
    try {
      const client = loggingClient(limited, keyFile(responder.keyName));
      const read = () => client.entries.list({ requestBody: { resourceNames: [`projects/${projectId}`] } });
      for (let i = 0; i < 3; i += 1) await read();
      await assert.rejects(
        read(),
        googleError(429, 'RESOURCE_EXHAUSTED', {
          message: new RegExp(`service 'logging\\.googleapis\\.com' for consumer 'project_number:${projectNumber}'`),
        }),
      );
      now = new Date(now.getTime() + 61_000);
      assert.equal((await read()).status, 200);
    } finally {
      await limited.close();
    }
  });

  it('throttles with an injected 429 and Retry-After like any other method', async () => {
    sim.injectFault({ method: 'entries.list', status: 429, retryAfterSeconds: 3 });
    await assert.rejects(
      list(''),
      googleError(429, 'RESOURCE_EXHAUSTED', { retryAfter: '3', message: /logging\.googleapis\.com/ }),
    );
    assert.equal(
      (await reader().entries.list({ requestBody: { resourceNames: [`projects/${projectId}`] } })).status,
      200,
    );
  });

  it('makes entries readable only after the ingestion delay, with receiveTimestamp that much later', async () => {
    sim.setAuditLogDelay(400);
    try {
      await useCredential(sim, stolen());
      const filter = `protoPayload.authenticationInfo.principalEmail="${compromised.email}"`;
      assert.equal((await list(filter)).entries, undefined, 'not readable yet');
      await new Promise((resolve) => setTimeout(resolve, 450));
      const [entry] = (await list(filter)).entries ?? [];
      assert.equal(Date.parse(entry?.receiveTimestamp ?? '') - Date.parse(entry?.timestamp ?? ''), 400);
    } finally {
      sim.setAuditLogDelay(0);
    }
  });
});
