import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes.js';
import { runCli } from './program.js';
import type { SetupGateway, SetupReport } from './setup.js';

const DAY = 86_400;
const TYPES: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' };

/** A namespace in memory: its custom search attributes and retention, changed only through the gateway's calls. */
function namespace({
  attributes = {},
  retentionDays = 30,
  address = '127.0.0.1:7233',
}: { attributes?: Record<string, string>; retentionDays?: number; address?: string } = {}) {
  const state = { attributes: { ...attributes }, connects: 0, closes: 0 };
  const gateway = (): SetupGateway => ({
    address,
    namespace: 'revoker-prod',
    addMissingSearchAttributes: () => {
      const missing = SEARCH_ATTRIBUTES.filter((key) => !(key.name in state.attributes));
      for (const key of missing) state.attributes[key.name] = TYPES[key.type] ?? key.type;
      return Promise.resolve(missing.map((key) => key.name));
    },
    listSearchAttributes: () => Promise.resolve({ ...state.attributes }),
    retentionSeconds: () => Promise.resolve(retentionDays * DAY),
    close: () => {
      state.closes++;
      return Promise.resolve();
    },
  });
  return { state, gateway };
}

function cli(ns: ReturnType<typeof namespace>, env: Record<string, string> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const run = (...args: string[]) =>
    runCli(['setup', ...args], {
      connect: () => Promise.reject(new Error('setup uses its own gateway')),
      connectSetup: () => {
        ns.state.connects++;
        return Promise.resolve(ns.gateway());
      },
      stdout: (text) => stdout.push(text),
      stderr: (text) => stderr.push(text),
      env,
    });
  return { run, out: () => stdout.join(''), err: () => stderr.join('') };
}

function policyFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'revoker-setup-')), 'policy.yaml');
  writeFileSync(path, text);
  return path;
}

describe('revoker setup', () => {
  it('registers the missing search attributes, leaves the others, and says the namespace is ready', async () => {
    const ns = namespace({ attributes: { RevokerState: 'Keyword', CustomerField: 'Int' } });
    const c = cli(ns);
    assert.equal(await c.run(), 0, c.err());
    assert.match(c.out(), /^Temporal 127\.0\.0\.1:7233, namespace revoker-prod\n/);
    assert.match(c.out(), /RevokerState +Keyword +already there/);
    assert.match(c.out(), /RevokerProvider +KeywordList +registered now/);
    assert.match(c.out(), /retention: 30 days, enough for the policy's audit\.retentionDays of 30/);
    assert.match(c.out(), /ready: namespace revoker-prod has every search attribute/);
    assert.equal(ns.state.attributes.CustomerField, 'Int', "the namespace's own attributes are left alone");
    assert.equal(ns.state.closes, 1);
  });

  it('is idempotent: a second run registers nothing and reports the same', async () => {
    const ns = namespace();
    const first = cli(ns);
    assert.equal(await first.run('--json'), 0);
    const second = cli(ns);
    assert.equal(await second.run('--json'), 0);
    const [a, b] = [first.out(), second.out()].map((text) => JSON.parse(text) as SetupReport);
    assert.deepEqual(
      a?.searchAttributes.added,
      SEARCH_ATTRIBUTES.map((k) => k.name),
    );
    assert.deepEqual(b?.searchAttributes.added, []);
    assert.deepEqual(b?.searchAttributes.present, a?.searchAttributes.present);
    assert.equal(b?.ready, true);
  });

  it('refuses a retention shorter than the audit needs, with the exact command that fixes it, exit 1', async () => {
    const ns = namespace({ retentionDays: 3 });
    const c = cli(ns);
    assert.equal(await c.run(), 1);
    assert.match(c.out(), /retention: 3 days, shorter than the policy's audit\.retentionDays of 30/);
    assert.match(
      c.out(),
      /\n {2}temporal operator namespace update --address 127\.0\.0\.1:7233 --namespace revoker-prod --retention 30d\n/,
    );
    assert.match(c.out(), /not ready/);
    const json = cli(ns);
    assert.equal(await json.run('--json'), 1);
    const report = JSON.parse(json.out()) as SetupReport;
    assert.deepEqual(report.retention, {
      days: 3,
      requiredDays: 30,
      policy: 'built-in default (as `npm start`)',
      ok: false,
    });
    assert.equal(report.fix.length, 1);
  });

  it('names tcld for a Temporal Cloud namespace', async () => {
    const c = cli(namespace({ retentionDays: 7, address: 'revoker-prod.a1b2c.tmprl.cloud:7233' }));
    assert.equal(await c.run(), 1);
    assert.match(c.out(), /tcld namespace retention set --namespace revoker-prod --retention-days 30/);
  });

  it("checks the policy's audit.retentionDays, from --policy or REVOKER_POLICY_FILE", async () => {
    const strict = policyFile('version: 1\naudit:\n  retentionDays: 90\n');
    const viaFlag = cli(namespace({ retentionDays: 60 }));
    assert.equal(await viaFlag.run('--policy', strict), 1);
    assert.match(viaFlag.out(), /60 days, shorter than the policy's audit\.retentionDays of 90 \(.*policy\.yaml\)/);
    assert.match(viaFlag.out(), /--retention 90d/);
    const viaEnv = cli(namespace({ retentionDays: 90 }), { REVOKER_POLICY_FILE: strict });
    assert.equal(await viaEnv.run(), 0, viaEnv.out());
    assert.match(viaEnv.out(), /90 days, enough for the policy's audit\.retentionDays of 90/);
  });

  it('refuses a bad audit setting by its field before connecting', async () => {
    const ns = namespace();
    const c = cli(ns);
    assert.equal(await c.run('--policy', policyFile('version: 1\naudit:\n  retentionDays: 0\n')), 2);
    assert.match(c.err(), /audit\.retentionDays.*at least 1 day/);
    assert.equal(ns.state.connects, 0);
  });

  it('is not ready when an attribute exists with another type, and says how to put it right', async () => {
    const c = cli(namespace({ attributes: { RevokerProvider: 'Keyword' } }));
    assert.equal(await c.run(), 1);
    assert.match(c.out(), /RevokerProvider +KeywordList +WRONG TYPE: Keyword/);
    assert.match(c.out(), /temporal operator search-attribute remove --namespace revoker-prod --name RevokerProvider/);
  });
});
