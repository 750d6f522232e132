import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createEntraActivities } from '../activities/entra.js';
import { loadTopologyFile } from '../connect/topology-file.js';
import {
  DEFAULT_SEED_PATH,
  loadEntraSeed,
  SECOND_TENANT_SEED_PATH,
  startEntraSimulator,
  type EntraSimulator,
} from '../simulators/entra/index.js';
import { createEntraTenants } from './entra-clients.js';

const CONTOSO = '26b7f9fa-ece8-4e81-8997-610171802439';
const FABRIKAM = '4f6c2a9e-3b71-4d5e-9a08-c2e1f7b3d654';
// The multi-tenant responder app, registered in contoso and consented in fabrikam.
const ENV = {
  AZURE_CLIENT_ID: '008b55f9-f99e-4fd4-afb2-f850c5e3d4ec',
  AZURE_CLIENT_SECRET: 'Rsp8Q~SANDBOX.revoker-responder.not-a-real-secret',
};

/** fabrikam's own (single-tenant) app registration, consented the same Graph permissions. */
const FABRIKAM_APP = '5b1e7d3c-9a24-4e6f-b081-2c4d6e8f0a13';
const FABRIKAM_SECRET = 'Fbk8Q~SANDBOX.fabrikam-revoker.not-a-real-secret';
const DIEGO = '9d2e4b61-7c3a-4f85-b0e9-1a6d5c8f2e47';

/** The fabrikam seed with the responder's consent to `removed` taken away. */
function fabrikamWithout(...removed: string[]) {
  const seed = loadEntraSeed(SECOND_TENANT_SEED_PATH);
  return {
    ...seed,
    appRoleAssignments: (seed.appRoleAssignments ?? []).filter((a) => !removed.includes(a.appRole ?? '')),
  };
}

describe('revoker doctor: Entra access check, two tenants through one multi-tenant app', () => {
  const dir = mkdtempSync(join(tmpdir(), 'revoker-entra-doctor-'));
  const file = join(dir, 'topology.yaml');
  writeFileSync(
    file,
    `version: 1\nentra:\n  tenants:\n    - id: ${CONTOSO}\n      name: contoso\n    - id: ${FABRIKAM}\n      name: fabrikam\n`,
  );
  let sim: EntraSimulator;
  const start = async (fabrikam = loadEntraSeed(SECOND_TENANT_SEED_PATH)) => {
    await sim?.close();
    sim = await startEntraSimulator({ seed: loadEntraSeed(DEFAULT_SEED_PATH), tenants: [fabrikam] });
  };
  before(() => start());
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = (env: Record<string, string> = ENV) =>
    createEntraActivities(
      createEntraTenants(
        {
          tenantId: CONTOSO,
          authorityHost: sim.authorityHost,
          graphEndpoint: sim.graphEndpoint,
          topology: loadTopologyFile(file),
        },
        env,
      ),
    ).checkEntraAccess();

  it('gets a token in each tenant and finds every Graph permission granted', async () => {
    assert.deepEqual(sim.tenantIds, [CONTOSO, FABRIKAM]);
    const results = await check();
    assert.deepEqual(
      results.map((r) => [r.id, r.name, r.reachable, r.missing]),
      [
        [CONTOSO, 'contoso', true, []],
        [FABRIKAM, 'fabrikam', true, []],
      ],
    );
    assert.match(results[1]?.identity ?? '', /revoker-responder/);
    assert.equal(sim.mutations(FABRIKAM).tokens.issued.client_credentials, 1, 'fabrikam issued its own token');
    assert.equal(sim.mutations(FABRIKAM).log.length + sim.mutations(CONTOSO).log.length, 0, 'nothing changed');
  });

  it('names the Graph permission a tenant has not consented to, in that tenant only', async () => {
    await start(fabrikamWithout('User.RevokeSessions.All'));
    const [contoso, fabrikam] = await check();
    assert.deepEqual(contoso?.missing, []);
    assert.deepEqual(fabrikam?.missing, ["User.RevokeSessions.All: revoke a user's sign-in sessions"]);
  });

  it('names AuditLog.Read.All when a tenant has not consented it, for the sweep', async () => {
    await start(fabrikamWithout('AuditLog.Read.All'));
    const [contoso, fabrikam] = await check();
    assert.deepEqual(contoso?.missing, []);
    assert.deepEqual(fabrikam?.missing, [
      'AuditLog.Read.All: read the directory audit and sign-in logs (the persistence sweep and the watch)',
    ]);
  });

  it('reads one record of each log: a consented permission Graph still refuses is named, a throttled read unchecked', async () => {
    await start();
    sim.injectFault({ path: '/auditLogs/signIns', status: 403, tenant: FABRIKAM });
    sim.injectFault({ path: '/auditLogs/directoryAudits', status: 429, tenant: CONTOSO });
    const [contoso, fabrikam] = await check();
    assert.deepEqual(contoso?.missing, []);
    assert.match(contoso?.unchecked[0] ?? '', /^AuditLog\.Read\.All \(directory audit log: .*throttled/);
    assert.equal(fabrikam?.missing.length, 1);
    assert.match(
      fabrikam?.missing[0] ?? '',
      /^AuditLog\.Read\.All: .* granted, but Graph refused to read the sign-in log/,
    );
  });

  it('reports a tenant it cannot get a token for, with why', async () => {
    const results = await check({ ...ENV, AZURE_CLIENT_SECRET: 'not-the-secret' });
    assert.deepEqual(
      results.map((r) => r.reachable),
      [false, false],
    );
    assert.match(results[0]?.problem ?? '', /AADSTS7000215|secret/i);
  });
});

describe('an Entra tenant with its own app registration (a customer that will not consent to the MSSP’s app)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'revoker-entra-own-app-'));
  const file = join(dir, 'topology.yaml');
  writeFileSync(
    file,
    [
      'version: 1',
      'entra:',
      '  tenants:',
      `    - id: ${CONTOSO}`,
      '      name: contoso',
      `    - id: ${FABRIKAM}`,
      '      name: fabrikam',
      `      credential: { clientId: ${FABRIKAM_APP}, clientSecretEnv: FABRIKAM_REVOKER_SECRET }`,
      '',
    ].join('\n'),
  );
  let sim: EntraSimulator;
  before(async () => {
    sim = await startEntraSimulator({
      seed: loadEntraSeed(DEFAULT_SEED_PATH),
      tenants: [loadEntraSeed(SECOND_TENANT_SEED_PATH)],
    });
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const tenants = (env: Record<string, string>) =>
    createEntraTenants(
      {
        tenantId: CONTOSO,
        authorityHost: sim.authorityHost,
        graphEndpoint: sim.graphEndpoint,
        topology: loadTopologyFile(file),
      },
      env,
    );

  it('acts in that tenant with its own app, and in the others with the worker’s', async () => {
    const entra = createEntraActivities(tenants({ ...ENV, FABRIKAM_REVOKER_SECRET: FABRIKAM_SECRET }));
    const [contoso, fabrikam] = await entra.checkEntraAccess();
    assert.match(contoso?.identity ?? '', /revoker-responder/);
    assert.match(fabrikam?.identity ?? '', new RegExp(`fabrikam-revoker.*${FABRIKAM_APP}`));
    assert.deepEqual([contoso?.missing, fabrikam?.missing], [[], []]);
    const outcome = await entra.revokeEntraUserSessions({
      tenantId: FABRIKAM,
      userId: DIEGO,
      userPrincipalName: 'diego@fabrikam.example',
      at: new Date().toISOString(),
    });
    assert.equal(outcome.outcome, 'done');
    assert.deepEqual(
      sim.mutations(FABRIKAM).log.map((e) => e.operation),
      ['revokeSignInSessions'],
    );
  });

  it('refuses to start without the secret the file names, saying which tenant, line and variable', () => {
    assert.throws(
      () => tenants(ENV),
      new RegExp(
        `Entra tenant ${FABRIKAM} \\(.*topology\\.yaml line 6\\) takes its client secret from FABRIKAM_REVOKER_SECRET, which is not set`,
      ),
    );
  });
});
