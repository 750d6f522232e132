import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { responderRoleArn } from '../domain/topology.js';
import { loadTopologyFile, notInTopology } from './topology-file.js';

const dir = mkdtempSync(join(tmpdir(), 'revoker-topology-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string) => {
  const path = join(dir, `topology-${++n}.yaml`);
  writeFileSync(path, text);
  return path;
};

const VALID = `version: 1
aws:
  roleName: RevokerResponder
  externalId: revoker-sandbox
  accounts:
    - id: "123456789012"
      name: hub
      access: direct
    - id: "210987654321"
      name: workloads
    - id: "345678901234"
      roleName: SecurityResponder
      rolePath: /security/
      externalId: legacy-external-id
entra:
  tenants:
    - id: 26b7f9fa-ece8-4e81-8997-610171802439
    - id: 0d5a1c3e-7f42-4b8e-9a61-2c9f0e7b4d18
      credential:
        clientId: 11111111-2222-3333-4444-555555555555
        clientSecretEnv: FABRIKAM_CLIENT_SECRET
gcp:
  projects:
    - id: acme-prod
    - id: acme-data
      credentialsFile: /etc/revoker/acme-data.json
`;

describe('topology file', () => {
  it('loads the example docs/deploy.md points to, examples/topology.yaml', () => {
    const { topology } = loadTopologyFile(join(import.meta.dirname, '..', 'examples', 'topology.yaml'));
    assert.deepEqual(
      topology.aws?.accounts.map((a) => [a.id, a.access, responderRoleArn(topology.aws!, a)]),
      [
        ['123456789012', 'direct', 'arn:aws:iam::123456789012:role/RevokerResponder'],
        ['210987654321', 'assume-role', 'arn:aws:iam::210987654321:role/RevokerResponder'],
        ['345678901234', 'assume-role', 'arn:aws:iam::345678901234:role/LegacyResponder'],
      ],
    );
    assert.equal(topology.entra?.tenants.length, 2);
    assert.deepEqual(
      topology.gcp?.projects.map((p) => p.id),
      ['acme-prod', 'acme-data'],
    );
  });

  it('reads accounts, tenants and projects, with defaults and per-entry overrides', () => {
    const loaded = loadTopologyFile(file(VALID));
    const aws = loaded.topology.aws;
    assert.ok(aws);
    assert.equal(aws.sessionDurationSeconds, 3600);
    const [hub, workloads, legacy] = aws.accounts;
    assert.equal(hub?.access, 'direct');
    assert.equal(workloads && responderRoleArn(aws, workloads), 'arn:aws:iam::210987654321:role/RevokerResponder');
    assert.equal(legacy && responderRoleArn(aws, legacy), 'arn:aws:iam::345678901234:role/security/SecurityResponder');
    assert.equal(loaded.topology.entra?.tenants[1]?.credential?.clientSecretEnv, 'FABRIKAM_CLIENT_SECRET');
    assert.equal(loaded.lineOf('aws', '210987654321'), 9);
    assert.equal(loaded.lineOf('entra', '26B7F9FA-ECE8-4E81-8997-610171802439'), 17, 'tenant ids in any case');
  });

  it('says which file and line to add a missing account, tenant or project after', () => {
    const path = file(VALID);
    const loaded = loadTopologyFile(path);
    assert.equal(
      notInTopology(loaded, 'aws', '999999999999'),
      `AWS account 999999999999 is not in the topology, so Revoker may not act in it: add it to aws.accounts in ${path} after line 14:\n      - id: "999999999999"`,
    );
    assert.match(notInTopology(loaded, 'gcp', 'acme-other'), new RegExp(`gcp.projects in ${path} after line 26:`));
    const awsOnly = loadTopologyFile(file('version: 1\naws:\n  accounts:\n    - id: "123456789012"\n'));
    assert.match(
      notInTopology(awsOnly, 'entra', '0d5a1c3e-7f42-4b8e-9a61-2c9f0e7b4d18'),
      /add a entra section to .*:\n  entra:\n    tenants:\n      - id: 0d5a1c3e/,
    );
  });

  it('lists every problem with its field and line, and never half-loads', () => {
    const path = file(`version: 1
aws:
  accounts:
    - id: 12345
    - id: "210987654321"
      rolename: typo
    - id: "210987654321"
entra:
  tenants:
    - id: contoso
      credential:
        clientId: 11111111-2222-3333-4444-555555555555
gcp:
  projects: []
`);
    assert.throws(
      () => loadTopologyFile(path),
      (error: Error) => {
        const lines = error.message.split('\n');
        assert.equal(lines[0], `topology file ${path} is invalid:`);
        assert.ok(
          lines.includes(
            '  - aws.accounts.0.id (line 4): an AWS account id is 12 digits, quoted in YAML ("012345678901")',
          ),
          error.message,
        );
        assert.ok(
          lines.includes('  - aws.accounts.1.rolename (line 6): unknown field: remove it (check its spelling)'),
          error.message,
        );
        assert.ok(lines.includes('  - entra.tenants.0.id (line 10): an Entra tenant id is a GUID'), error.message);
        assert.ok(
          lines.some((l) => l.startsWith('  - entra.tenants.0.credential (line 12): give exactly one of')),
          error.message,
        );
        assert.ok(lines.includes('  - gcp.projects (line 14): list at least one project'), error.message);
        return true;
      },
    );
    // Duplicates are checked once each entry is well formed.
    assert.throws(
      () =>
        loadTopologyFile(file('version: 1\naws:\n  accounts:\n    - id: "210987654321"\n    - id: "210987654321"\n')),
      /aws.accounts.1.id \(line 5\): 210987654321 is listed twice/,
    );
    assert.throws(() => loadTopologyFile(file('')), /is empty: a topology needs at least "version: 1"/);
    assert.throws(() => loadTopologyFile(join(dir, 'missing.yaml')), /cannot read topology file .*missing.yaml/);
  });
});
