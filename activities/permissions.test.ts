import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  awsResponderPolicy,
  AWS_RESPONDER_ACTIONS,
  GCP_RESPONDER_PERMISSIONS,
  GRAPH_APPLICATION_PERMISSIONS,
} from '../domain/permissions.js';
import { DEPLOY_DIR, setupTemplates } from '../scripts/setup-templates.js';

const source = (file: string) => readFileSync(join(import.meta.dirname, file), 'utf8');
const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

// The least-privilege lists are exactly what the activities call: a call added without its permission
// (or a permission left behind after a call is removed) fails here.
describe('least privilege matches the calls', () => {
  it('AWS: every IAM and CloudTrail command the activities send, and nothing else', () => {
    const commandsIn = (file: string) => {
      const text = source(file);
      return [
        ...[...text.matchAll(/new (\w+)Command\(/g)].map((m) => m[1] ?? ''),
        ...[...text.matchAll(/paginate(\w+)\(/g)].map((m) => m[1] ?? ''),
      ];
    };
    // STS GetCallerIdentity needs no permission; CloudTrail's one command is LookupEvents; every other is IAM's.
    const actions = [...commandsIn('aws.ts'), ...commandsIn('aws-card.ts'), ...commandsIn('aws-trail.ts')]
      .filter((c) => c !== 'GetCallerIdentity')
      .map((c) => (c === 'LookupEvents' ? `cloudtrail:${c}` : `iam:${c}`));
    assert.deepEqual(sorted(actions), sorted(AWS_RESPONDER_ACTIONS));
  });

  it('Google Cloud: every IAM and Cloud Logging method the activities call, as its permission', () => {
    const text = source('gcp.ts') + source('gcp-audit.ts') + source('gcp-card.ts');
    const permissions = [
      ...[...text.matchAll(/accounts\.(get|disable|enable|getIamPolicy|setIamPolicy)\(/g)].map(
        (m) => `iam.serviceAccounts.${m[1]}`,
      ),
      ...[...text.matchAll(/accounts\.keys\.(get|list|disable|enable|delete)\(/g)].map(
        (m) => `iam.serviceAccountKeys.${m[1]}`,
      ),
      // `disabled ? accounts.keys.disable(...) : accounts.keys.enable(...)` names both.
      // entries.list reads the Admin Activity log (logEntries.list) and the private Data Access log.
      ...(/logging\.entries\.list\(/.test(text) ? ['logging.logEntries.list', 'logging.privateLogEntries.list'] : []),
      // Resource Manager's read of the project's own policy (the triage card).
      ...(/resourceManager\.projects\.getIamPolicy\(/.test(text) ? ['resourcemanager.projects.getIamPolicy'] : []),
    ];
    assert.deepEqual(sorted(permissions), sorted(Object.keys(GCP_RESPONDER_PERMISSIONS)));
  });

  it('Entra: exactly what the sandbox consents to the responder, under which every e2e playbook passes', () => {
    // The Entra simulator refuses each Graph call without its permission (simulators/entra/permissions.ts), and
    // the e2e suites contain every Entra principal kind with the responder consented exactly these.
    const seed = JSON.parse(source('../simulators/entra/fixtures/sandbox.json')) as {
      servicePrincipals: { id: string; displayName: string }[];
      appRoleAssignments: { principalId: string; appRole: string }[];
    };
    const responder = seed.servicePrincipals.find((sp) => sp.displayName === 'revoker-responder')?.id;
    const consented = seed.appRoleAssignments.filter((a) => a.principalId === responder).map((a) => a.appRole);
    assert.deepEqual(sorted(consented), sorted(Object.keys(GRAPH_APPLICATION_PERMISSIONS)));
  });

  it('AWS: the sandbox member accounts hold the role deploy/ creates, trusting the hub with an ExternalId', () => {
    for (const file of ['workloads.json', 'legacy.json']) {
      const seed = JSON.parse(source(`../simulators/aws/fixtures/${file}`)) as {
        roles: { roleName: string; inlinePolicies: unknown; assumeRolePolicy: { Statement: unknown[] } }[];
      };
      const responders = seed.roles.filter((r) => r.roleName.endsWith('Responder'));
      assert.equal(responders.length, 1, file);
      for (const role of responders) {
        assert.deepEqual(role.inlinePolicies, { RevokerContainAws: awsResponderPolicy() });
        assert.deepEqual(role.assumeRolePolicy.Statement, [
          {
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::123456789012:user/revoker-responder' },
            Action: 'sts:AssumeRole',
            Condition: {
              StringEquals: {
                'sts:ExternalId': role.roleName === 'RevokerResponder' ? 'revoker-sandbox' : 'legacy-responder',
              },
            },
          },
        ]);
      }
    }
  });

  it('deploy/ is what scripts/setup-templates.ts writes (run `npm run setup-templates` after a change)', () => {
    for (const [path, text] of setupTemplates()) {
      assert.equal(readFileSync(join(DEPLOY_DIR, path), 'utf8'), text, `deploy/${path} is stale`);
    }
  });
});
