// Property-based fuzzing of the CLI's file inputs: an alert file (`revoker dry-run <file> --source`)
// and a policy file (`--policy`, REVOKER_POLICY_FILE). Any bytes give an alert, a policy, or a
// refusal that names the file and says what is wrong; never an unexplained crash.
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Alert } from '../../domain/alert.js';
import { DEFAULT_POLICY, Policy } from '../../domain/policy.js';
import { loadPolicyFile } from '../policy-file.js';
import { SOURCES } from '../sources/index.js';
import { readAlertFile } from './alert-file.js';
import { CliError } from './cli-error.js';
import { mutate } from '../fuzz-mutate.js';

const RUNS = Math.round(Number(process.env.REVOKER_FUZZ_RUNS ?? 2500) / 2);
const dir = mkdtempSync(join(tmpdir(), 'revoker-file-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'input');
const encoder = new TextEncoder();

const key = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'version', 'actions', 'principals', 'id'),
  fc.string({ maxLength: 10 }),
);
const json: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 30 }),
    fc.constantFrom('\ud800', 'x'.repeat(3000), '*a', '&a', '!!binary', '<<'),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
})).value;

const near = (base: unknown) =>
  fc
    .record({ choices: fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), leaf: json })
    .map(({ choices, leaf }) => encoder.encode(JSON.stringify(mutate(base, choices, leaf))));

/** What breaks parsers in any file: deep, wide, not UTF-8, not JSON, YAML's aliases and tags. */
const hostileBytes = (most: number) =>
  fc.oneof(
    json.map((value) => encoder.encode(JSON.stringify(value) ?? '')),
    fc.uint8Array({ maxLength: 300 }),
    fc.integer({ min: 1, max: most }).map((n) => encoder.encode(`${'['.repeat(n)}${']'.repeat(n)}`)),
    fc.integer({ min: 1, max: most }).map((n) => encoder.encode(`[${'1,'.repeat(n)}1]`)),
    fc.string({ maxLength: 200 }).map((text) => encoder.encode(text)),
    fc.constantFrom(
      // A billion laughs: each alias doubles the document.
      encoder.encode(
        [
          'a: &a ["x","x"]',
          ...Array.from(
            { length: 30 },
            (_, i) =>
              `${'b'.repeat(i + 1)}: &${'b'.repeat(i + 1)} [*${i ? 'b'.repeat(i) : 'a'}, *${i ? 'b'.repeat(i) : 'a'}]`,
          ),
        ].join('\n'),
      ),
      encoder.encode('version: 1\nactions: !!js/function "function () {}"\n'),
      encoder.encode('version: 1\n<<: *missing\n'),
      encoder.encode('&a [*a]'),
      encoder.encode('{"__proto__": {"version": 1}, "version": 1}'),
      Uint8Array.of(0xef, 0xbb, 0xbf, 0x7b, 0x7d),
      Uint8Array.of(0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00),
    ),
  );

/** One vendor fixture per source, to mutate. */
const fixtures = [...SOURCES.keys()].flatMap((source) => {
  const at = new URL(`../sources/fixtures/${source}/`, import.meta.url);
  try {
    return readdirSync(at)
      .filter((name) => name.endsWith('.json'))
      .slice(0, 1)
      .map((name) => ({ source, json: JSON.parse(readFileSync(new URL(name, at), 'utf8')) as unknown }));
  } catch {
    return [];
  }
});

describe('fuzzing the CLI file inputs', () => {
  it(`an alert file gives a valid alert or a usage error naming the file (${RUNS} runs)`, () => {
    const sourceAndBytes = fc.oneof(
      fc
        .constantFrom(...fixtures)
        .chain(({ source, json: fixture }) => near(fixture).map((bytes) => ({ source, bytes }))),
      fc.record({ source: fc.constantFrom(...SOURCES.keys()), bytes: hostileBytes(50_000) }),
    );
    fc.assert(
      fc.property(sourceAndBytes, ({ source, bytes }) => {
        writeFileSync(file, bytes);
        try {
          const alert = readAlertFile(file, source);
          assert.ok(Alert.safeParse(alert).success, 'only a valid alert is returned');
        } catch (error) {
          assert.ok(error instanceof CliError, `a ${(error as Error).name}: ${(error as Error).message.slice(0, 200)}`);
          assert.ok(error.message.includes(file), 'the refusal names the file');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`a policy file gives a valid policy or an error naming the file (${RUNS} runs)`, () => {
    fc.assert(
      // YAML parses a long flow sequence in about 20 µs an item: smaller shapes keep the run short.
      fc.property(fc.oneof(near(DEFAULT_POLICY), hostileBytes(1000)), (bytes) => {
        writeFileSync(file, bytes);
        try {
          const policy = loadPolicyFile(file);
          assert.ok(Policy.safeParse(policy).success, 'only a valid policy is returned');
        } catch (error) {
          assert.ok(error instanceof Error, 'an Error');
          assert.match(
            error.message,
            new RegExp(`policy file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
            error.message.slice(0, 300),
          );
        }
      }),
      { numRuns: RUNS },
    );
  });
});
