import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GCP_SANDBOX, loadGcpSeed, DEFAULT_SEED_PATH, startGcpSimulator, type GcpSimulator } from './index.js';
import { googleError, keyFile, resourceManagerClient } from './test-support.js';

const { projectId, projectNumber, compromised, responder, bystander } = GCP_SANDBOX;

describe('Resource Manager v3 projects.getIamPolicy', () => {
  let sim: GcpSimulator;
  before(async () => {
    sim = await startGcpSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const projects = (key: string = responder.keyName) => resourceManagerClient(sim, keyFile(key)).projects;

  it("returns the project's own bindings, by project id or number, with a stable etag", async () => {
    const { data } = await projects().getIamPolicy({ resource: `projects/${projectId}`, requestBody: {} });
    assert.equal(data.version, 1);
    assert.match(data.etag ?? '', /^B/);
    const etl = data.bindings?.filter((b) => b.members?.includes(`serviceAccount:${compromised.email}`));
    assert.deepEqual(
      etl?.map((b) => b.role),
      ['roles/viewer', 'roles/bigquery.dataEditor', 'roles/storage.objectViewer'],
    );
    const byNumber = await projects().getIamPolicy({ resource: `projects/${projectNumber}`, requestBody: {} });
    assert.deepEqual(byNumber.data, data);
  });

  it('shows a conditional binding with its condition at version 3, and as role_withcond_ at version 1', async () => {
    const seed = loadGcpSeed(DEFAULT_SEED_PATH);
    const condition = { title: 'exports only', expression: 'resource.name.startsWith("projects/_/buckets/exports")' };
    seed.iamPolicy?.bindings.push({
      role: 'roles/storage.objectViewer',
      members: ['serviceAccount:x@y.example'],
      condition,
    });
    sim.reset(seed);
    const v3 = await projects().getIamPolicy({
      resource: `projects/${projectId}`,
      requestBody: { options: { requestedPolicyVersion: 3 } },
    });
    assert.equal(v3.data.version, 3);
    assert.deepEqual(v3.data.bindings?.at(-1)?.condition, condition);
    const v1 = await projects().getIamPolicy({ resource: `projects/${projectId}`, requestBody: {} });
    assert.match(v1.data.bindings?.at(-1)?.role ?? '', /^roles\/storage\.objectViewer_withcond_[0-9a-f]{20}$/);
  });

  it('refuses without resourcemanager.projects.getIamPolicy, and the same for a project it does not serve', async () => {
    const refused = googleError(403, 'PERMISSION_DENIED', {
      message: /^Permission 'resourcemanager\.projects\.getIamPolicy' denied on resource \(or it may not exist\)\.$/,
    });
    await assert.rejects(
      projects(bystander.keyName).getIamPolicy({ resource: `projects/${projectId}`, requestBody: {} }),
      refused,
    );
    await assert.rejects(projects().getIamPolicy({ resource: 'projects/acme-elsewhere', requestBody: {} }), refused);
  });

  it('writes a Data Access audit entry naming the project, as Resource Manager logs GetIamPolicy', async () => {
    await projects().getIamPolicy({ resource: `projects/${projectId}`, requestBody: {} });
    const entry = sim.auditLog(projectId).find((e) => e.protoPayload.methodName === 'GetIamPolicy');
    assert.ok(entry, 'logged');
    assert.equal(entry.protoPayload.serviceName, 'cloudresourcemanager.googleapis.com');
    assert.equal(entry.protoPayload.resourceName, `projects/${projectId}`);
    assert.equal(entry.resource.type, 'project');
    assert.match(entry.logName, /data_access$/);
  });
});
