// What Google Cloud discovery reads for the triage card, against the simulator with the worker's own clients: the
// account's display name, its roles on the project (Resource Manager's projects.getIamPolicy), when each key was made;
// a refused read is a line on the card and discovery goes on, a throttled one fails for Temporal to retry.
import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  DEFAULT_SEED_PATH,
  GCP_SANDBOX,
  loadGcpSeed,
  startGcpSimulator,
  type GcpSimulator,
} from '../simulators/gcp/index.js';
import { iamClient, keyFile, loggingClient, resourceManagerClient } from '../simulators/gcp/test-support.js';
import { anyProject, createGcpActivities } from './gcp.js';

const { projectId, compromised, responder } = GCP_SANDBOX;
const RESPONDER = `serviceAccount:${responder.email}`;

describe('Google Cloud discovery: the triage card', () => {
  let sim: GcpSimulator;
  before(async () => {
    sim = await startGcpSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  // Clients as the worker builds them (worker/gcp-clients.ts), IAM and Resource Manager on the simulator's endpoint.
  const gcp = () => {
    const credentials = keyFile(responder.keyName);
    return createGcpActivities(
      anyProject({
        iam: iamClient(sim, credentials),
        logging: loggingClient(sim, credentials),
        resourceManager: resourceManagerClient(sim, credentials),
      }),
    );
  };
  const etl = { type: 'gcp.serviceAccount', projectId, email: compromised.email } as const;

  it("reads the account's display name, the roles it holds on its project, and when each key was made", async () => {
    const found = await gcp().discoverGcpPrincipal(etl);
    assert.equal(found.displayName, 'Nightly ETL runner');
    assert.deepEqual(found.roles, ['roles/viewer', 'roles/bigquery.dataEditor', 'roles/storage.objectViewer']);
    assert.equal(found.unread, undefined);
    const stolen = found.keys.find((k) => k.name === compromised.stolenKeyName);
    assert.match(stolen?.validAfterTime ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(sim.mutations().counts, {}, 'discovery changes nothing');
  });

  it('shows a conditional grant with its condition, and no role the account holds only on other resources', async () => {
    const seed = loadGcpSeed(DEFAULT_SEED_PATH);
    seed.iamPolicy?.bindings.push({
      role: 'roles/storage.objectViewer',
      members: [`serviceAccount:${compromised.email}`],
      condition: { title: 'exports only', expression: 'resource.name.startsWith("projects/_/buckets/exports")' },
    });
    sim.reset(seed);
    const found = await gcp().discoverGcpPrincipal(etl);
    assert.ok(found.roles?.includes('roles/storage.objectViewer (if "exports only")'), found.roles?.join(', '));
    assert.ok(!found.roles?.some((r) => r.includes('serviceAccountAdmin')), "its grant on the deployer's own policy");
  });

  it('goes on without the roles when Resource Manager refuses, and says which permission', async () => {
    const seed = loadGcpSeed(DEFAULT_SEED_PATH);
    const bindings = (seed.iamPolicy?.bindings ?? []).filter(
      (b) => !(b.role === 'roles/browser' && b.members.includes(RESPONDER)),
    );
    sim.reset({ ...seed, iamPolicy: { ...seed.iamPolicy, bindings } });
    const found = await gcp().discoverGcpPrincipal(etl);
    assert.equal(found.keys.length, 2, 'containment has the keys it needs');
    assert.equal(found.roles, undefined);
    assert.deepEqual(found.unread, [
      { part: 'reach', what: `roles on project ${projectId}`, why: 'resourcemanager.projects.getIamPolicy denied' },
    ]);
  });

  it('fails retryably when the roles read is throttled, as any discovery read', async () => {
    sim.injectFault({ method: 'projects.getIamPolicy', status: 429, times: 1 });
    await assert.rejects(gcp().discoverGcpPrincipal(etl), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure, String(error));
      assert.equal(error.type, 'ThrottledError');
      assert.equal(error.nonRetryable, false);
      return true;
    });
    assert.ok((await gcp().discoverGcpPrincipal(etl)).roles?.length, 'the retry reads them');
  });
});
