import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';

describe('lazySchema', () => {
  it('builds the schema at its first use, once', () => {
    let builds = 0;
    const Name = lazySchema(() => {
      builds += 1;
      return z.string().min(2);
    });
    assert.equal(builds, 0, 'not built when defined');
    assert.equal(Name.parse('ab'), 'ab');
    assert.equal(Name.safeParse('a').success, false);
    assert.equal(builds, 1);
  });

  it('stands for the schema everywhere zod and the domain use one', () => {
    const Inner = lazySchema(() => z.object({ id: z.string() }).strict());
    const Wider = lazySchema(() => Inner.extend({ n: z.number().int() }));
    const Either = lazySchema(() =>
      z.discriminatedUnion('type', [
        lazySchema(() => z.object({ type: z.literal('a'), inner: Inner })),
        lazySchema(() => z.object({ type: z.literal('b') })),
      ]),
    );
    assert.ok(Inner instanceof z.ZodObject);
    assert.deepEqual(Object.keys(Inner.shape), ['id']);
    assert.deepEqual(Wider.parse({ id: 'x', n: 1 }), { id: 'x', n: 1 });
    assert.deepEqual(Either.parse({ type: 'a', inner: { id: 'y' } }), { type: 'a', inner: { id: 'y' } });
    const refused = Either.safeParse({ type: 'a', inner: { id: 1 } });
    assert.ok(!refused.success && refused.error instanceof z.ZodError);
    assert.deepEqual(refused.error.issues[0]?.path, ['inner', 'id']);
    assert.equal(Either.safeParse({ type: 'c' }).success, false);
    // Reflection on the stand-in (as a deep freeze or a logger would) does not trip a proxy invariant.
    for (const key of Reflect.ownKeys(Inner)) assert.ok(Object.getOwnPropertyDescriptor(Inner, key));
    const check: z.infer<typeof Wider> = { id: 'x', n: 2 };
    assert.equal(Wider.parse(check).n, 2);
  });

  it('lets a schema refer to itself, and says so when its definition reads itself while it is built', () => {
    type Tree = { children: Tree[] };
    // Stored, not read, while the object is built: the stand-in resolves at parse time.
    const TreeSchema: z.ZodType<Tree> = lazySchema(() => z.object({ children: z.array(TreeSchema) }));
    assert.deepEqual(TreeSchema.parse({ children: [{ children: [] }] }), { children: [{ children: [] }] });
    assert.equal(TreeSchema.safeParse({ children: [{ children: 1 }] }).success, false);
    const Loop: z.ZodObject = lazySchema(() => z.object({ a: z.string() }).extend(Loop.shape));
    assert.throws(() => Loop.parse({ a: 'x' }), /uses itself: write the self-reference as z\.lazy/);
  });

  it('is how every schema in domain/ is defined, so a workflow builds only what it parses with', () => {
    const dir = fileURLToPath(new URL('./', import.meta.url));
    const eager: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const source = readFileSync(`${dir}${file}`, 'utf8');
      const defined =
        /^(?:export )?const (\w+)(?::[^=\n]+)?\s*=\s*(?:z\s*[.\n]|[A-Z]\w*\s*\.(?:extend|pick|omit|strict|partial|merge|and|or|refine|superRefine|array|optional)\()/gm;
      for (const match of source.matchAll(defined)) {
        eager.push(`${file}: ${match[1]}`);
      }
    }
    assert.deepEqual(eager, [], 'define these with lazySchema(() => …)');
  });
});
