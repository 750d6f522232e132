// Every vendor fixture of every source, with each of its fields in turn replaced by something a
// SIEM can send as valid JSON: the intake answers 2xx or 4xx, never a 5xx, and starts only valid alerts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Alert } from '../../domain/alert.js';
import { urlComponent } from './alert-fields.js';
import { SOURCES } from './index.js';
import { intakeApp } from './source-test-kit.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);

function fixturesOf(source: string): { name: string; json: unknown }[] {
  let names: string[];
  try {
    names = readdirSync(new URL(`${source}/`, FIXTURES)).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  return names.map((name) => ({
    name,
    json: JSON.parse(readFileSync(new URL(`${source}/${name}`, FIXTURES), 'utf8')) as unknown,
  }));
}

/** Every path to a leaf (string, number, boolean, null) of a JSON value. */
function leaves(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, [...path, index]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => leaves(item, [...path, key]));
  }
  return [path];
}

function withLeaf(value: unknown, path: (string | number)[], leaf: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1)!] = leaf;
  return copy;
}

/** What a leaf becomes: a lone surrogate after its text, a long text, null, an array of it. */
function variants(leaf: unknown): unknown[] {
  const text = typeof leaf === 'string' ? leaf : String(leaf);
  return [`${text}\ud800`, 'x'.repeat(5000), null, [text]];
}

describe('hostile fields in every source payload', () => {
  it('turns a lone surrogate into U+FFFD before encoding a console link', () => {
    assert.equal(urlComponent('a\ud800b'), 'a%EF%BF%BDb');
    assert.equal(urlComponent('\udc00'), '%EF%BF%BD');
    assert.equal(urlComponent('\ud83d\ude00'), '%F0%9F%98%80', 'a surrogate pair is one character, kept');
    assert.throws(() => encodeURIComponent('\ud800'), URIError, 'what it guards against');
  });

  for (const [name, source] of SOURCES) {
    const fixtures = fixturesOf(name);
    if (name !== 'generic') assert.ok(fixtures.length > 0, `${name} has fixtures`);
    it(`${name}: any field replaced answers 2xx or 4xx, and starts only valid alerts`, async () => {
      const intake = intakeApp();
      let requests = 0;
      for (const { name: fixture, json } of fixtures) {
        for (const path of leaves(json)) {
          const leaf = path.reduce<unknown>((at, key) => (at as Record<string | number, unknown>)[key], json);
          for (const variant of variants(leaf)) {
            const res = await intake.post(`/alerts/${source.name}`, withLeaf(json, path, variant));
            requests++;
            const reply = await res.text();
            assert.ok(
              res.status < 500,
              `${fixture} ${path.join('.')} = ${JSON.stringify(variant).slice(0, 40)}: ${res.status} ${reply}`,
            );
          }
        }
      }
      for (const alert of intake.started) assert.ok(Alert.safeParse(alert).success);
      if (fixtures.length) assert.ok(requests > 100, `${requests} requests`);
    });
  }
});
