import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createGcpActivities } from '../activities/gcp.js';
import { loadTopologyFile } from '../connect/topology-file.js';
import {
  DEFAULT_SEED_PATH,
  GCP_SANDBOX,
  keyFileOf,
  loadGcpSeed,
  startGcpSimulator,
  type GcpSimulator,
} from '../simulators/gcp/index.js';
import { createGcpProjects } from './gcp-clients.js';

const RESPONDER = `serviceAccount:${GCP_SANDBOX.responder.email}`;

describe('revoker doctor: Google Cloud access check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'revoker-gcp-doctor-'));
  const keyFile = join(dir, 'responder.json');
  const topology = join(dir, 'topology.yaml');
  let sim: GcpSimulator;
  before(async () => {
    sim = await startGcpSimulator();
    writeFileSync(keyFile, JSON.stringify(keyFileOf(loadGcpSeed(DEFAULT_SEED_PATH), GCP_SANDBOX.responder.keyName)));
    // acme-prod is served; acme-elsewhere is a project the responder holds nothing in.
    writeFileSync(
      topology,
      `version: 1\ngcp:\n  projects:\n    - id: ${GCP_SANDBOX.projectId}\n      name: production\n      credentialsFile: ${keyFile}\n    - id: acme-elsewhere\n      credentialsFile: ${keyFile}\n`,
    );
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = () =>
    createGcpActivities(
      createGcpProjects({ rootUrl: sim.rootUrl, topology: loadTopologyFile(topology) }),
    ).checkGcpAccess();

  it('finds every responder permission granted where the roles are bound, and none where they are not', async () => {
    sim.reset();
    const [prod, elsewhere] = await check();
    assert.equal(prod?.reachable, true);
    assert.equal(prod?.identity, GCP_SANDBOX.responder.email, 'the doctor says who it acts as');
    assert.equal(prod?.name, 'production');
    assert.deepEqual(prod?.missing, []);
    assert.deepEqual(prod?.unchecked, []);
    assert.equal(elsewhere?.reachable, true);
    assert.deepEqual(
      elsewhere?.missing.map((m) => m.split(':')[0]),
      [
        'iam.serviceAccounts.get',
        'logging.logEntries.list',
        'logging.privateLogEntries.list',
        'resourcemanager.projects.getIamPolicy',
      ],
      'without get no other IAM permission is asked; the audit logs and the project policy are read on their own',
    );
    assert.equal(elsewhere?.unchecked.length, 9);
    assert.equal(sim.mutations().log.length, 0, 'the probe changed nothing');
  });

  it('names the permissions of an unbound role, with what each is for', async () => {
    const seed = loadGcpSeed(DEFAULT_SEED_PATH);
    const bindings = (seed.iamPolicy?.bindings ?? []).filter(
      (b) => !(b.role === 'roles/iam.serviceAccountKeyAdmin' && b.members.includes(RESPONDER)),
    );
    sim.reset({ ...seed, iamPolicy: { ...seed.iamPolicy, bindings } });
    const [prod] = await check();
    assert.deepEqual(
      prod?.missing.map((m) => m.split(':')[0]),
      [
        'iam.serviceAccountKeys.list',
        'iam.serviceAccountKeys.get',
        'iam.serviceAccountKeys.disable',
        'iam.serviceAccountKeys.enable',
        'iam.serviceAccountKeys.delete',
      ],
    );
    assert.ok(prod?.missing.every((m) => (m.split(': ')[1] ?? '').length > 0));
    assert.equal(sim.mutations().log.length, 0);
  });

  it('names the audit log permission the sweep lacks without the private log viewer role', async () => {
    const seed = loadGcpSeed(DEFAULT_SEED_PATH);
    const bindings = (seed.iamPolicy?.bindings ?? []).filter(
      (b) => !(b.role === 'roles/logging.privateLogViewer' && b.members.includes(RESPONDER)),
    );
    sim.reset({ ...seed, iamPolicy: { ...seed.iamPolicy, bindings } });
    const [prod] = await check();
    assert.deepEqual(
      prod?.missing.map((m) => m.split(': ')[0]),
      ['logging.privateLogEntries.list'],
    );
    assert.match(prod?.missing[0] ?? '', /Data Access audit logs/);
  });
});
