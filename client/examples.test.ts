import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ActionKind } from '../domain/action.js';
import { Alert } from '../domain/alert.js';
import { principalKey } from '../domain/principal.js';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes.js';
import { ROOT } from '../scripts/bootstrap.mjs';
import { ENTRA_SANDBOX } from '../simulators/entra/sandbox.js';
import { GCP_SANDBOX } from '../simulators/gcp/sandbox.js';
import { describeIssues } from '../connect/field-issues.js';
import { loadPolicyFile } from './policy-file.js';

const EXAMPLES = join(ROOT, 'examples');
const files = (folder: string, pattern: RegExp) =>
  readdirSync(join(EXAMPLES, folder))
    .filter((name) => pattern.test(name))
    .map((name) => join(EXAMPLES, folder, name));

/** examples/ is documentation people copy from: every file in it must load as the docs say. */
describe('examples', () => {
  it('has policies and alerts to check', () => {
    assert.ok(files('policies', /\.ya?ml$|\.json$/).length >= 2);
    assert.ok(files('alerts', /\.json$/).length >= 4);
  });

  for (const path of files('policies', /\.ya?ml$|\.json$/)) {
    it(`loads ${path.slice(ROOT.length + 1)} with the policy loader the webhook uses`, () => {
      const policy = loadPolicyFile(path);
      assert.equal(policy.version, 1);
    });
  }

  for (const path of files('alerts', /\.json$/)) {
    it(`validates ${path.slice(ROOT.length + 1)} against the generic alert format`, () => {
      const parsed = Alert.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      const issues = parsed.success ? [] : describeIssues(parsed.error).map((i) => `${i.field}: ${i.message}`);
      assert.deepEqual(issues, []);
    });
  }

  it('has a production policy with four eyes, approver groups, timeouts, a release window and an allowlist', () => {
    const policy = loadPolicyFile(join(EXAMPLES, 'policies/production.yaml'));
    assert.equal(policy.fourEyes, 2);
    assert.equal(policy.trustedIdentities, 'oidc', 'in production only verified approvers decide');
    assert.ok(policy.approvers && Object.keys(policy.approvers.groups).length >= 2);
    assert.ok(Object.keys(policy.onTimeout).length > 0);
    assert.notEqual(policy.releaseWindow, '24h', 'a deliberate choice, not the default');
    assert.ok(policy.allowlist.some((entry) => entry.name === 'ci-*'));
    assert.ok(policy.allowlist.some((entry) => entry.appId));
    for (const [kind, groups] of Object.entries(policy.approvers.byAction)) {
      const people = new Set((groups ?? []).flatMap((g) => policy.approvers?.groups[g] ?? []));
      assert.ok(people.size >= policy.fourEyes, `${kind}: fewer approvers than fourEyes needs`);
    }
  });

  it('has a strict policy in which every kind of step waits for approval', () => {
    const policy = loadPolicyFile(join(EXAMPLES, 'policies/strict.yaml'));
    assert.deepEqual(Object.keys(policy.actions).sort(), [...ActionKind.options].sort(), 'every kind is listed');
    for (const mode of Object.values(policy.actions)) assert.equal(mode, 'approval');
  });

  it('names only the sandbox identities in the Entra and GCP alerts, so they work against `npm start`', () => {
    const read = (name: string) => Alert.parse(JSON.parse(readFileSync(join(EXAMPLES, 'alerts', name), 'utf8')));
    assert.deepEqual(read('entra-consent-phishing.json').principals.map(principalKey), [
      `entra/${ENTRA_SANDBOX.tenantId}/user/${ENTRA_SANDBOX.compromisedUser.id}`,
      `entra/${ENTRA_SANDBOX.tenantId}/app/${ENTRA_SANDBOX.maliciousApp.appId}`,
    ]);
    assert.deepEqual(read('gcp-leaked-key.json').principals, [
      { type: 'gcp.key', keyName: GCP_SANDBOX.compromised.stolenKeyName },
    ]);
  });
});

describe('docs/deploy.md', () => {
  it("registers every search attribute a playbook upserts, each with its type, for one's own Temporal server", () => {
    const page = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
    const section = page.split(/\n#+ Your own Temporal server: the search attributes\n/)[1]?.split(/\n#+ /)[0] ?? '';
    const listed = [...section.matchAll(/^for a in ([^;]+); do\n.*--type (\w+)$/gm)].flatMap(([, names, type]) =>
      (names ?? '')
        .trim()
        .split(/\s+/)
        .map((name) => `${name}=${type ?? ''}`),
    );
    const cliType: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' };
    assert.deepEqual(
      listed.sort(),
      SEARCH_ATTRIBUTES.map((key) => `${key.name}=${cliType[key.type] ?? key.type}`).sort(),
    );
  });
});
