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

  it('reports a tenant it cannot get a token for, with why', async () => {
    const results = await check({ ...ENV, AZURE_CLIENT_SECRET: 'not-the-secret' });
    assert.deepEqual(
      results.map((r) => r.reachable),
      [false, false],
    );
    assert.match(results[0]?.problem ?? '', /AADSTS7000215|secret/i);
  });
});
