import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  GCP_ORGANISATION,
  GCP_SANDBOX,
  startGcpSimulator,
  type GcpHierarchy,
  type GcpSeed,
  type GcpSimulator,
  type MutationSummary,
  type PublicGcpState,
} from './index.js';
import { googleError, iamClient, keyFile, ORGANISATION, orgKeyFile, SEED } from './test-support.js';

const { responder, compromised } = GCP_SANDBOX;
const { data, lab, organization, analyticsFolder, responderRole } = GCP_ORGANISATION;
const { pipeline } = data;
const { experiment } = lab;
const PIPELINE = `projects/${data.projectId}/serviceAccounts/${pipeline.email}`;
const EXPERIMENT = `projects/${lab.projectId}/serviceAccounts/${experiment.email}`;
const keyIdOf = (name: string) => name.split('/').pop() ?? name;

const permissionDenied = (permission: string, resource: string) =>
  googleError(403, 'PERMISSION_DENIED', {
    message: new RegExp(
      `^Permission ${permission.replaceAll('.', '\\.')} is required to perform this operation on ${resource.replaceAll('.', '\\.')}\\.$`,
    ),
  });

const hierarchy = (): GcpHierarchy => structuredClone(ORGANISATION.hierarchy);
const projects = (): GcpSeed[] => structuredClone(ORGANISATION.projects);

describe('Google Cloud simulator: an organisation of projects with inherited IAM policies', () => {
  let sim: GcpSimulator;
  before(async () => {
    sim = await startGcpSimulator({ ...ORGANISATION });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const playbook = () => iamClient(sim, keyFile(responder.keyName)).projects.serviceAccounts;

  it('serves every project on one endpoint, and shows the hierarchy and each project’s parent', async () => {
    assert.deepEqual(sim.projectIds, [GCP_SANDBOX.projectId, data.projectId, lab.projectId]);
    const health = (await (await fetch(new URL('_sim/health', sim.rootUrl))).json()) as object;
    assert.deepEqual(health, {
      ok: true,
      projectId: GCP_SANDBOX.projectId,
      projectIds: [GCP_SANDBOX.projectId, data.projectId, lab.projectId],
      organization: organization.name,
    });
    const state = (await (await fetch(new URL('_sim/state', sim.rootUrl))).json()) as PublicGcpState;
    assert.equal(state.parent, organization.name, 'acme-prod names no parent: directly under the organization');
    assert.deepEqual(
      state.members.map((p) => [p.projectId, p.projectNumber, p.parent]),
      [
        [data.projectId, data.projectNumber, analyticsFolder.name],
        [lab.projectId, lab.projectNumber, organization.name],
      ],
    );
    assert.deepEqual(state.hierarchy?.folders, [
      {
        name: analyticsFolder.name,
        displayName: 'analytics',
        parent: organization.name,
        iamPolicy: { bindings: [{ role: responderRole, members: [`serviceAccount:${responder.email}`] }] },
      },
    ]);
    assert.equal(sim.serviceAccount(pipeline.email)?.projectId, data.projectId);
  });

  it('the responder disables and enables a key of pipeline@acme-data through the folder grant', async () => {
    const stolen = () =>
      iamClient(sim, orgKeyFile(pipeline.stolenKeyName)).projects.serviceAccounts.keys.list({ name: PIPELINE });
    // pipeline holds a data role only: its own key authenticates, and IAM refuses it.
    await assert.rejects(stolen(), permissionDenied('iam.serviceAccountKeys.list', `service account ${PIPELINE}/keys`));

    const listed = await playbook().keys.list({ name: PIPELINE, keyTypes: ['USER_MANAGED'] });
    assert.deepEqual(
      listed.data.keys?.map((k) => k.name),
      [pipeline.stolenKeyName, pipeline.otherKeyName],
    );
    await playbook().keys.disable({
      name: pipeline.stolenKeyName,
      requestBody: { serviceAccountKeyDisableReason: 'SERVICE_ACCOUNT_KEY_DISABLE_REASON_EXPOSED' },
    });
    assert.equal(sim.key(pipeline.stolenKeyName)?.disabled, true);
    await assert.rejects(stolen(), googleError(401, 'UNAUTHENTICATED', { authFailure: 'key-disabled' }));
    // By project number the same project, answered with canonical names.
    const byNumber = await playbook().keys.get({
      name: `projects/${data.projectNumber}/serviceAccounts/${pipeline.uniqueId}/keys/${keyIdOf(pipeline.stolenKeyName)}`,
    });
    assert.equal(byNumber.data.name, pipeline.stolenKeyName);
    assert.equal(byNumber.data.disableReason, 'SERVICE_ACCOUNT_KEY_DISABLE_REASON_EXPOSED');
    await playbook().keys.enable({ name: pipeline.stolenKeyName, requestBody: {} });
    assert.equal(sim.key(pipeline.stolenKeyName)?.disabled, false);
    await playbook().disable({ name: PIPELINE, requestBody: {} });
    assert.equal(sim.serviceAccount(pipeline.email)?.disabled, true);

    assert.deepEqual(sim.mutations(data.projectId).counts, {
      'keys.disable': 1,
      'keys.enable': 1,
      'serviceAccounts.disable': 1,
    });
    assert.deepEqual(sim.mutations().counts, {}, 'nothing changed in acme-prod, where the responder lives');
  });

  it('refuses the same calls in acme-lab, outside the folder, with 403 naming the permission', async () => {
    const experimentKey = `service account key ${experiment.keyName}`;
    await assert.rejects(playbook().keys.disable({ name: experiment.keyName, requestBody: {} }), (error: unknown) => {
      permissionDenied('iam.serviceAccountKeys.disable', experimentKey)(error);
      const details = (error as { response: { data: { error: { details: unknown } } } }).response.data.error.details;
      assert.deepEqual(details, [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'IAM_PERMISSION_DENIED',
          domain: 'iam.googleapis.com',
          metadata: { permission: 'iam.serviceAccountKeys.disable' },
        },
      ]);
      return true;
    });
    await assert.rejects(
      playbook().get({ name: EXPERIMENT }),
      permissionDenied('iam.serviceAccounts.get', `service account ${EXPERIMENT}`),
    );
    // The permission comes before existence: an unknown account is 404 where the responder may look, 403 elsewhere.
    const ghost = (project: string) => `projects/${project}/serviceAccounts/ghost@${project}.iam.gserviceaccount.com`;
    await assert.rejects(playbook().get({ name: ghost(data.projectId) }), googleError(404, 'NOT_FOUND'));
    await assert.rejects(
      playbook().get({ name: ghost(lab.projectId) }),
      permissionDenied('iam.serviceAccounts.get', `service account ${ghost(lab.projectId)}`),
    );
    // A project the simulator does not serve is one nobody holds anything in: the same refusal.
    await assert.rejects(
      playbook().get({ name: ghost('acme-elsewhere') }),
      permissionDenied('iam.serviceAccounts.get', `service account ${ghost('acme-elsewhere')}`),
    );
    assert.equal(sim.key(experiment.keyName)?.disabled, false);
    assert.deepEqual(sim.mutations('all').counts, {});
  });

  it('evaluates the target project’s policy for a key of any project: experiment is editor in acme-lab only', async () => {
    const lab = iamClient(sim, orgKeyFile(experiment.keyName)).projects.serviceAccounts;
    assert.equal((await lab.get({ name: EXPERIMENT })).data.email, experiment.email);
    const etl = `projects/${GCP_SANDBOX.projectId}/serviceAccounts/${compromised.email}`;
    await assert.rejects(lab.get({ name: etl }), permissionDenied('iam.serviceAccounts.get', `service account ${etl}`));
    await assert.rejects(
      lab.keys.disable({ name: pipeline.stolenKeyName, requestBody: {} }),
      permissionDenied('iam.serviceAccountKeys.disable', `service account key ${pipeline.stolenKeyName}`),
    );
  });

  it('finds accounts of any project under projects/-, by email or unique id, checking that project’s policy', async () => {
    const byEmail = await playbook().get({ name: `projects/-/serviceAccounts/${pipeline.email}` });
    assert.equal(byEmail.data.name, PIPELINE, 'names come back canonical');
    assert.equal(byEmail.data.projectId, data.projectId);
    const byId = await playbook().keys.list({ name: `projects/-/serviceAccounts/${pipeline.uniqueId}` });
    assert.equal(byId.data.keys?.length, 2);
    await playbook().keys.disable({
      name: `projects/-/serviceAccounts/${pipeline.email}/keys/${keyIdOf(pipeline.otherKeyName)}`,
      requestBody: {},
    });
    assert.deepEqual(
      sim.mutations(data.projectId).log.map((e) => [e.project, e.target]),
      [[data.projectId, pipeline.otherKeyName]],
    );
    const wildcardLab = `projects/-/serviceAccounts/${experiment.uniqueId}`;
    await assert.rejects(
      playbook().get({ name: wildcardLab }),
      permissionDenied('iam.serviceAccounts.get', `service account ${wildcardLab}`),
    );
    // Under a named project, an account of another project does not exist there.
    const misplaced = `projects/${GCP_SANDBOX.projectId}/serviceAccounts/${pipeline.email}`;
    await assert.rejects(
      playbook().get({ name: misplaced }),
      googleError(404, 'NOT_FOUND', { message: new RegExp(`^Service account ${misplaced} does not exist\\.$`) }),
    );
  });

  it('counts mutations per project; /_sim/mutations has every project’s, each naming its own', async () => {
    await playbook().keys.disable({ name: compromised.stolenKeyName, requestBody: {} });
    await playbook().keys.disable({ name: pipeline.stolenKeyName, requestBody: {} });
    await playbook().keys.delete({ name: pipeline.stolenKeyName });
    assert.deepEqual(sim.mutations().counts, { 'keys.disable': 1 });
    assert.deepEqual(sim.mutations(data.projectId).counts, { 'keys.disable': 1, 'keys.delete': 1 });
    assert.deepEqual(sim.mutations(data.projectNumber), sim.mutations(data.projectId), 'by number too');
    assert.deepEqual(sim.mutations(lab.projectId).counts, {});
    const all = (await (await fetch(new URL('_sim/mutations', sim.rootUrl))).json()) as MutationSummary;
    assert.deepEqual(all.counts, { 'keys.disable': 2, 'keys.delete': 1 });
    assert.deepEqual(
      all.log.map((e) => [e.project, e.operation, e.target]),
      [
        [GCP_SANDBOX.projectId, 'keys.disable', compromised.stolenKeyName],
        [data.projectId, 'keys.disable', pipeline.stolenKeyName],
        [data.projectId, 'keys.delete', pipeline.stolenKeyName],
      ],
    );
  });

  it('a fault for one project hits only calls on that project’s resources', async () => {
    sim.injectFault({ project: data.projectId, method: 'keys.disable', status: 503 });
    await playbook().keys.disable({ name: compromised.stolenKeyName, requestBody: {} });
    await assert.rejects(
      playbook().keys.disable({ name: experiment.keyName, requestBody: {} }),
      googleError(403, 'PERMISSION_DENIED'),
      'acme-lab: refused by IAM, not by the acme-data fault',
    );
    const pending = () => fetch(new URL('_sim/faults', sim.rootUrl)).then((r) => r.json() as Promise<unknown[]>);
    assert.equal((await pending()).length, 1, 'the acme-data fault waits');
    await assert.rejects(
      playbook().keys.disable({
        name: `projects/-/serviceAccounts/${pipeline.email}/keys/${keyIdOf(pipeline.stolenKeyName)}`,
        requestBody: {},
      }),
      googleError(503, 'UNAVAILABLE'),
      'under projects/-, the account’s project',
    );
    assert.equal(sim.key(pipeline.stolenKeyName)?.disabled, false);

    // By number; a 429 names the caller's own project as the quota consumer.
    sim.injectFault({ project: data.projectNumber, status: 429 });
    await assert.rejects(
      playbook().keys.list({ name: PIPELINE }),
      googleError(429, 'RESOURCE_EXHAUSTED', {
        message: new RegExp(`for consumer 'project_number:${GCP_SANDBOX.projectNumber}'\\.$`),
      }),
    );
    assert.deepEqual(sim.mutations().counts, { 'keys.disable': 1 });
    assert.deepEqual(sim.mutations(data.projectId).counts, {});
    assert.throws(
      () => sim.injectFault({ project: 'Acme_Data', status: 503 }),
      /must be a project ID or project number/,
    );
  });

  it('reset(seed) replaces the primary project and keeps the others', async () => {
    const prod = structuredClone(SEED);
    prod.iamPolicy = { bindings: [] };
    sim.reset(prod);
    await assert.rejects(
      playbook().get({ name: `projects/${GCP_SANDBOX.projectId}/serviceAccounts/${compromised.email}` }),
      googleError(403, 'PERMISSION_DENIED'),
    );
    assert.equal((await playbook().get({ name: PIPELINE })).data.email, pipeline.email, 'the folder grant still holds');
    const clash = await fetch(new URL('_sim/reset', sim.rootUrl), {
      method: 'POST',
      body: JSON.stringify({ ...SEED, projectNumber: data.projectNumber }),
    });
    assert.equal(clash.status, 400);
    assert.match(
      ((await clash.json()) as { error: string }).error,
      /projects acme-prod and acme-data have the same number 730164928351/,
    );
  });
});

describe('Google Cloud simulator: policy inheritance', () => {
  const run = async (org: GcpHierarchy, check: (sim: GcpSimulator) => Promise<void>) => {
    const sim = await startGcpSimulator({ projects: projects(), hierarchy: org });
    try {
      await check(sim);
    } finally {
      await sim.close();
    }
  };
  const responderClient = (sim: GcpSimulator) => iamClient(sim, keyFile(responder.keyName)).projects.serviceAccounts;

  it('acme-data is reachable only through the folder binding', async () => {
    const bare = hierarchy();
    delete bare.folders?.[0]?.iamPolicy;
    await run(bare, async (sim) => {
      await assert.rejects(
        responderClient(sim).get({ name: PIPELINE }),
        permissionDenied('iam.serviceAccounts.get', `service account ${PIPELINE}`),
      );
    });
  });

  it('a binding at the organization reaches every project, acme-lab included; a predefined role works there too', async () => {
    const granted = hierarchy();
    granted.organization.iamPolicy?.bindings.push({
      role: 'roles/iam.serviceAccountKeyAdmin',
      members: [`serviceAccount:${responder.email}`],
    });
    await run(granted, async (sim) => {
      await responderClient(sim).keys.disable({ name: experiment.keyName, requestBody: {} });
      assert.equal(sim.key(experiment.keyName)?.disabled, true);
      // Key admin is not account admin: serviceAccounts.disable stays refused in acme-lab.
      await assert.rejects(
        responderClient(sim).disable({ name: EXPERIMENT, requestBody: {} }),
        permissionDenied('iam.serviceAccounts.disable', `service account ${EXPERIMENT}`),
      );
    });
  });

  it('folders nest: a grant on an outer folder reaches a project in an inner one', async () => {
    const nested = hierarchy();
    const outer = 'folders/519283746501';
    nested.folders = [
      {
        name: outer,
        displayName: 'data platform',
        parent: organization.name,
        iamPolicy: nested.folders?.[0]?.iamPolicy,
      },
      { name: analyticsFolder.name, displayName: 'analytics', parent: outer },
    ];
    await run(nested, async (sim) => {
      assert.equal((await responderClient(sim).get({ name: PIPELINE })).data.email, pipeline.email);
    });
  });

  it('the organization’s custom role is exactly what deploy/gcp creates', () => {
    const deployed = parse(
      readFileSync(new URL('../../deploy/gcp/revoker-responder-role.yaml', import.meta.url), 'utf8'),
    ) as { includedPermissions: string[] };
    const role = ORGANISATION.hierarchy.organization.customRoles?.[responderRole];
    assert.deepEqual(role?.includedPermissions, deployed.includedPermissions);
    const grant = readFileSync(new URL('../../deploy/gcp/grant.sh', import.meta.url), 'utf8');
    assert.match(grant, /--role="organizations\/\$org\/roles\/revokerResponder"/, 'deploy/ grants it on a folder');
  });
});

describe('Google Cloud simulator: organisation seeds are validated together', () => {
  const [dataSeed, labSeed] = projects();
  if (!dataSeed || !labSeed) throw new Error('organisation fixtures missing');
  const copyOf = (seed: GcpSeed, projectId: string, projectNumber: string): GcpSeed => ({
    ...structuredClone(seed),
    projectId,
    projectNumber,
  });

  it('the fixtures agree with GCP_ORGANISATION; the responder is granted on the folder and nowhere else', () => {
    assert.deepEqual(
      [dataSeed, labSeed].map((s) => [s.projectId, s.projectNumber, s.parent]),
      [
        [data.projectId, data.projectNumber, data.parent],
        [lab.projectId, lab.projectNumber, lab.parent],
      ],
    );
    const { organization: org, folders } = ORGANISATION.hierarchy;
    assert.deepEqual([org.name, org.displayName], [organization.name, organization.displayName]);
    assert.deepEqual(
      folders?.map((f) => [f.name, f.displayName, f.parent]),
      [[analyticsFolder.name, analyticsFolder.displayName, analyticsFolder.parent]],
    );
    const member = `serviceAccount:${responder.email}`;
    const grants = (policy?: { bindings: { members: string[] }[] }) =>
      (policy?.bindings ?? []).filter((b) => b.members.includes(member)).length;
    assert.equal(grants(dataSeed.iamPolicy) + grants(labSeed.iamPolicy) + grants(org.iamPolicy), 0);
    assert.equal(grants(folders?.[0]?.iamPolicy), 1);
    // Key files exist for the stolen pipeline key and experiment's key, not for the other pipeline key.
    assert.equal(orgKeyFile(pipeline.stolenKeyName).client_email, pipeline.email);
    assert.equal(orgKeyFile(pipeline.stolenKeyName).project_id, data.projectId);
    assert.equal(orgKeyFile(experiment.keyName).client_id, experiment.uniqueId);
    assert.throws(() => orgKeyFile(pipeline.otherKeyName), /has no privateKey in the seed/);
    assert.throws(() => orgKeyFile('0'.repeat(40)), /is not in the seeds/);
  });

  it('refuses duplicate emails, unique ids, key ids, project ids and numbers across projects', async () => {
    const sameEverything = copyOf(dataSeed, 'acme-copy', '555555555555');
    await assert.rejects(
      startGcpSimulator({ projects: [dataSeed, sameEverything], hierarchy: hierarchy() }),
      /service account pipeline@acme-data\.iam\.gserviceaccount\.com is in projects acme-data and acme-copy/,
    );
    const sameKey = copyOf(dataSeed, 'acme-copy', '555555555555');
    const [account] = sameKey.serviceAccounts;
    if (!account) throw new Error('no account');
    account.email = 'pipeline@acme-copy.iam.gserviceaccount.com';
    account.uniqueId = '100000000000000000001';
    await assert.rejects(
      startGcpSimulator({ projects: [dataSeed, sameKey], hierarchy: hierarchy() }),
      new RegExp(`key ${keyIdOf(pipeline.stolenKeyName)} is in projects acme-data and acme-copy`),
    );
    const sameId = structuredClone(sameKey);
    sameId.serviceAccounts[0]!.uniqueId = pipeline.uniqueId;
    await assert.rejects(
      startGcpSimulator({ projects: [dataSeed, sameId], hierarchy: hierarchy() }),
      /service account unique id 117204863950271648392 is in projects acme-data and acme-copy/,
    );
    await assert.rejects(
      startGcpSimulator({
        projects: [dataSeed, copyOf(labSeed, lab.projectId, data.projectNumber)],
        hierarchy: hierarchy(),
      }),
      /projects acme-data and acme-lab have the same number 730164928351/,
    );
    await assert.rejects(
      startGcpSimulator({ projects: [dataSeed, dataSeed], hierarchy: hierarchy() }),
      /project acme-data is seeded twice/,
    );
  });

  it('refuses parents and roles the hierarchy does not have', async () => {
    await assert.rejects(
      startGcpSimulator({ projects: [dataSeed] }),
      /names parent folders\/372819465021, but no hierarchy is given/,
    );
    await assert.rejects(
      startGcpSimulator({
        projects: [{ ...structuredClone(dataSeed), parent: 'folders/999999999999' }],
        hierarchy: hierarchy(),
      }),
      /names parent folders\/999999999999, which is neither organizations\/605240158853 nor one of its folders/,
    );
    const unknownRole = structuredClone(dataSeed);
    unknownRole.iamPolicy?.bindings.push({ role: 'organizations/605240158853/roles/revokerRespnder', members: [] });
    await assert.rejects(
      startGcpSimulator({ projects: [unknownRole], hierarchy: hierarchy() }),
      /binds organizations\/605240158853\/roles\/revokerRespnder, which organizations\/605240158853 does not define/,
    );
    const cases: [(h: GcpHierarchy) => void, RegExp][] = [
      [
        (h) => Object.assign(h.folders?.[0] ?? {}, { parent: 'folders/123456' }),
        /folders\[0\]\.parent: folders\/123456 is neither/,
      ],
      [
        (h) => Object.assign(h.folders?.[0] ?? {}, { parent: analyticsFolder.name }),
        /folders\[0\]\.parent: folders nest at most 10 deep \(or the parents form a cycle\)/,
      ],
      [
        (h) => h.folders?.[0]?.iamPolicy?.bindings.push({ role: 'projects/acme-data/roles/x', members: [] }),
        /folders\[0\]\.iamPolicy\.bindings\[1\]\.role: unknown role/,
      ],
      [
        (h) => Object.assign(h.organization, { name: 'organizations/acme' }),
        /organization\.name: must be organizations\/ORGANIZATION_NUMBER/,
      ],
      [
        (h) => h.folders?.push({ ...structuredClone(h.folders[0]!), name: 'folders/111111111111' }),
        /folders\[1\]\.displayName: another folder under organizations\/605240158853 is named analytics/,
      ],
    ];
    for (const [mutate, expected] of cases) {
      const h = hierarchy();
      mutate(h);
      await assert.rejects(startGcpSimulator({ projects: projects(), hierarchy: h }), (error: unknown) => {
        assert.match(String(error), /^GcpSeedError: Invalid Google Cloud hierarchy: /);
        assert.match(String(error), expected);
        return true;
      });
    }
  });
});

describe('Google Cloud simulator: the organisation survives a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gcp-org-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every project in the state file, seeds a project added later, and loads single-project files', async () => {
    const stateFile = join(dir, 'state.json');
    // An older file: the primary project only, no `projects`.
    let sim = await startGcpSimulator({ stateFile });
    await iamClient(sim, keyFile(responder.keyName)).projects.serviceAccounts.keys.disable({
      name: compromised.stolenKeyName,
      requestBody: {},
    });
    await sim.close();
    assert.equal('projects' in (JSON.parse(readFileSync(stateFile, 'utf8')) as object), false);

    const [dataSeed, labSeed] = projects();
    sim = await startGcpSimulator({ stateFile, projects: [dataSeed!], hierarchy: hierarchy() });
    assert.equal(sim.key(compromised.stolenKeyName)?.disabled, true, 'the primary project kept its state');
    const keys = iamClient(sim, keyFile(responder.keyName)).projects.serviceAccounts.keys;
    await keys.disable({ name: pipeline.stolenKeyName, requestBody: {} });
    await keys.delete({ name: pipeline.stolenKeyName });
    await sim.close();
    const onDisk = JSON.parse(readFileSync(stateFile, 'utf8')) as {
      state: { projectId: string };
      projects: { projectId: string; parent?: string; keys: { keyId: string; deleteTime?: string }[] }[];
    };
    assert.equal(onDisk.state.projectId, GCP_SANDBOX.projectId);
    assert.deepEqual(
      onDisk.projects.map((p) => [p.projectId, p.parent]),
      [[data.projectId, analyticsFolder.name]],
    );
    assert.ok(onDisk.projects[0]?.keys.find((k) => k.keyId === keyIdOf(pipeline.stolenKeyName))?.deleteTime);
    assert.doesNotMatch(readFileSync(stateFile, 'utf8'), /PRIVATE KEY/);

    sim = await startGcpSimulator({ stateFile, projects: [dataSeed!, labSeed!], hierarchy: hierarchy() });
    try {
      assert.deepEqual(sim.projectIds, [GCP_SANDBOX.projectId, data.projectId, lab.projectId]);
      assert.equal(sim.key(pipeline.stolenKeyName), undefined, 'still deleted');
      await assert.rejects(
        iamClient(sim, orgKeyFile(pipeline.stolenKeyName)).projects.serviceAccounts.get({ name: PIPELINE }),
        googleError(401, 'UNAUTHENTICATED', { authFailure: 'key-deleted' }),
      );
      assert.equal(sim.key(experiment.keyName)?.disabled, false, 'acme-lab was seeded');
      assert.deepEqual(sim.mutations('all').counts, {}, 'counters are per process');
    } finally {
      await sim.close();
    }
    const rewritten = JSON.parse(readFileSync(stateFile, 'utf8')) as { projects: { projectId: string }[] };
    assert.deepEqual(
      rewritten.projects.map((p) => p.projectId),
      [data.projectId, lab.projectId],
    );
  });
});
