// Two Entra tenants from one deployment: the workers' topology lists contoso and fabrikam, and one multi-tenant
// responder app (registered in contoso, consented in fabrikam) acts in each with that tenant's own token. A stack of
// its own (not the shared e2e harness): the topology is the workers' configuration.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startPlaybook } from '../client/start-playbook.js';
import { loadTopologyFile } from '../connect/topology-file.js';
import type { Principal } from '../domain/principal.js';
import type { Report } from '../domain/report.js';
import { ENTRA_SANDBOX, loadEntraSeed, SECOND_TENANT_SEED_PATH } from '../simulators/entra/index.js';
import { loadSeeds } from '../testing/inputs.js';
import { TEST_POLICY, TEST_SETTINGS } from '../testing/settings.js';
import { startStack, type Stack } from '../testing/stack.js';
import { alertAbout } from './e2e/helpers.js';

const FABRIKAM = '4f6c2a9e-3b71-4d5e-9a08-c2e1f7b3d654';
const DIEGO = '9d2e4b61-7c3a-4f85-b0e9-1a6d5c8f2e47';
const UNLISTED = '0d6e1c35-8a42-4f7b-9e61-3c2b5a7d8f90';

describe('one deployment, two Entra tenants', () => {
  const dir = mkdtempSync(join(tmpdir(), 'revoker-tenants-'));
  const file = join(dir, 'topology.yaml');
  writeFileSync(
    file,
    `version: 1\nentra:\n  tenants:\n    - id: ${ENTRA_SANDBOX.tenantId}\n      name: contoso\n    - id: ${FABRIKAM}\n      name: fabrikam\n`,
  );
  let stack: Stack;
  before(async () => {
    stack = await startStack(loadSeeds(), {
      topology: loadTopologyFile(file),
      entraTenants: [loadEntraSeed(SECOND_TENANT_SEED_PATH)],
    });
  });
  after(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (principals: Principal[]) => {
    const { workflowId } = await startPlaybook(stack.client, alertAbout(principals, 'high'), {
      policy: {
        ...TEST_POLICY,
        actions: { ...TEST_POLICY.actions, 'entra.disableUser': 'auto', 'entra.revokeUserSessions': 'auto' },
      },
      settings: TEST_SETTINGS,
      uiBaseUrl: 'http://localhost:8233',
    });
    return (await stack.client.workflow.getHandle(workflowId).result()) as Report;
  };

  it('contains users of both tenants in one alert, each with its own tenant token, and nothing crosses over', async () => {
    const report = await run([
      { type: 'entra.user', tenantId: ENTRA_SANDBOX.tenantId, user: ENTRA_SANDBOX.compromisedUser.id },
      { type: 'entra.user', tenantId: FABRIKAM, user: DIEGO },
    ]);
    assert.equal(report.state, 'Contained', JSON.stringify(report.actions.map((r) => [r.action.id, r.status])));
    const targets = (tenant?: string) => stack.entra.mutations(tenant).log.map((e) => `${e.operation} ${e.target}`);
    assert.ok(
      targets(FABRIKAM).some((t) => t.endsWith(DIEGO)),
      'diego was acted on in fabrikam',
    );
    assert.ok(!targets(FABRIKAM).some((t) => t.endsWith(ENTRA_SANDBOX.compromisedUser.id)), 'no contoso user there');
    assert.ok(
      targets().some((t) => t.endsWith(ENTRA_SANDBOX.compromisedUser.id)),
      'adele was acted on in contoso',
    );
    assert.ok(!targets().some((t) => t.endsWith(DIEGO)), 'no fabrikam user in contoso');
    assert.ok(stack.entra.mutations(FABRIKAM).tokens.issued.client_credentials, 'fabrikam issued the token used there');
  });

  it('refuses a tenant the topology does not list, naming the file and the line to add, and changes nothing', async () => {
    const before = stack.entra.mutations().log.length + stack.entra.mutations(FABRIKAM).log.length;
    const report = await run([{ type: 'entra.user', tenantId: UNLISTED, user: DIEGO }]);
    assert.equal(report.state, 'NotContained');
    const message = report.principals[0]?.error?.message ?? '';
    assert.match(message, new RegExp(`${UNLISTED}.*not in the topology`));
    assert.match(
      message,
      new RegExp(`entra\\.tenants in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} after line \\d+`),
    );
    assert.equal(stack.entra.mutations().log.length + stack.entra.mutations(FABRIKAM).log.length, before);
  });
});
