// The image (Dockerfile, .dockerignore, deploy/image/entrypoint.mjs) without a Docker engine: BuildKit's own
// Dockerfile linter (tools/dockerfile-lint, the checks of `docker build --check`), the Dockerfile's shape, and that what
// the image keeps is enough to run its subcommands: every package their code imports is a production dependency (the
// image prunes the others), and every file they run is one the release build emits.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureGoTool } from '../scripts/ensure-go-tool.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const lintOf = (path: string) => spawnSync(linter, [path], { encoding: 'utf8', timeout: 60_000 });
let linter = '';

describe('the Dockerfile, by BuildKit’s linter', () => {
  let scratch = '';
  before(() => {
    linter = ensureGoTool('dockerfile-lint');
    scratch = mkdtempSync(join(tmpdir(), 'revoker-dockerfile-'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('has nothing to report', () => {
    const run = lintOf(join(ROOT, 'Dockerfile'));
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, '', 'the linter reported findings');
    assert.equal(run.status, 0);
  });

  it('reports each finding of a broken Dockerfile with its rule and line, and fails', () => {
    const broken = join(scratch, 'Dockerfile');
    writeFileSync(
      broken,
      [
        'FROM node:22-bookworm-slim AS build',
        'MAINTAINER someone',
        'ENV NODE_ENV production',
        'CMD node main.js',
        '',
      ].join('\n'),
    );
    const run = lintOf(broken);
    assert.equal(run.status, 1);
    const rules = run.stdout
      .trim()
      .split('\n')
      .map((line) => /^.+:(\d+): (\w+): /.exec(line)?.slice(1, 3).join(' '));
    assert.deepEqual(rules.sort(), ['2 MaintainerDeprecated', '3 LegacyKeyValueFormat', '4 JSONArgsRecommended']);
  });

  it('reports a Dockerfile that does not parse', () => {
    const broken = join(scratch, 'Dockerfile.unparsable');
    writeFileSync(broken, 'FROM node:22 AS build\nCOPY --from=build\n');
    const run = lintOf(broken);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /Dockerfile\.unparsable:2: error: /);
  });
});

/** The instructions of the stage that starts at `FROM <image>`, up to the next FROM. */
function stage(dockerfile: string, image: string): string[] {
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n');
  const start = lines.findIndex((line) => line.startsWith(`FROM ${image}`));
  assert.ok(start >= 0, `no FROM ${image}`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith('FROM '));
  return lines.slice(start, end < 0 ? undefined : end).filter((line) => line && !line.startsWith('#'));
}

describe('the image', () => {
  const dockerfile = read('Dockerfile');

  it('builds with npm ci and npm run build, prunes the dev dependencies, and runs on distroless Node 22 as non-root', () => {
    const build = stage(dockerfile, 'node:22-bookworm-slim AS build').join('\n');
    assert.match(build, /^RUN npm ci\b/m);
    assert.match(build, /npm run build +&& +npm prune --omit=dev\b/);
    const runtime = stage(dockerfile, 'gcr.io/distroless/nodejs22-debian12:nonroot');
    const user = runtime.find((line) => line.startsWith('USER '))?.slice(5);
    assert.equal(user, '65532:65532', 'the runtime stage runs as distroless’s nonroot, by number');
    assert.ok(runtime.includes('ENTRYPOINT ["/nodejs/bin/node", "/app/entrypoint.mjs"]'));
    assert.ok(runtime.includes('COPY deploy/image/entrypoint.mjs ./entrypoint.mjs'));
    assert.ok(!runtime.some((line) => /^COPY (?!--from=build )(?!deploy\/image\/)/.test(line)), 'sources stay out');
  });

  it('leaves local state, secrets and build output out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    for (const path of ['.git', 'node_modules', 'dist', '.revoker', 'test-results', '.env']) {
      assert.ok(ignored.includes(path), `.dockerignore leaves ${path} in the context`);
    }
  });

  it('runs each subcommand from a file the release build emits', async () => {
    const { COMMANDS, resolveCommand } = (await import(
      pathToFileURL(join(ROOT, 'deploy/image/entrypoint.mjs')).href
    )) as {
      COMMANDS: Record<string, string>;
      resolveCommand: (args: string[], dist?: URL) => { url?: URL; args?: string[]; usage?: string; known?: boolean };
    };
    assert.deepEqual(Object.keys(COMMANDS).sort(), ['revoker', 'webhook', 'worker']);
    // tsconfig JSON allows comments; this one's are whole lines.
    const build = JSON.parse(read('tsconfig.build.json').replace(/^\s*\/\/.*$/gm, '')) as { include: string[] };
    for (const [command, file] of Object.entries(COMMANDS)) {
      const source = file.replace(/\.js$/, '.ts');
      assert.ok(existsSync(join(ROOT, source)), `${command} runs dist/${file}, but there is no ${source}`);
      assert.ok(
        build.include.some((dir) => source.startsWith(`${dir}/`)),
        `tsconfig.build.json compiles no ${source}`,
      );
    }
    const dist = new URL('file:///app/dist/');
    const worker = resolveCommand(['worker'], dist);
    assert.equal(worker.url?.href, 'file:///app/dist/worker/main.js');
    const cli = resolveCommand(['revoker', 'status', 'incident-1', '--json'], dist);
    assert.equal(cli.url?.href, 'file:///app/dist/client/cli.js');
    assert.deepEqual(cli.args, ['status', 'incident-1', '--json']);
    assert.equal(resolveCommand(['help'], dist).known, true);
    assert.equal(resolveCommand([], dist).known, true);
    const unknown = resolveCommand(['wroker'], dist);
    assert.equal(unknown.known, false);
    assert.match(unknown.usage ?? '', /worker .*REVOKER_QUEUES/);
  });

  it('prints its usage for an unknown subcommand and exits 2', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'deploy/image/entrypoint.mjs'), 'wroker'], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /usage: <image> <command>/);
  });

  it('keeps every package the subcommands import: each is a production dependency', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const { files, packages } = importGraph(['worker/main.ts', 'client/webhook/main.ts', 'client/cli.ts']);
    const missing = [...packages].filter(([name]) => !(name in pkg.dependencies));
    assert.deepEqual(
      missing.map(([name, from]) => `${name} (imported by ${[...from].join(', ')})`),
      [],
      'the image prunes devDependencies: move these to dependencies',
    );
    // The image drops dist/testing, dist/simulators and dist/scripts: nothing its processes run may need them.
    const outside = files.filter((file) => /^(testing|simulators|scripts)\//.test(file));
    assert.deepEqual(outside, [], 'the Dockerfile removes these from dist/');
    assert.ok(
      packages.has('@temporalio/worker') && files.includes('worker/create-workers.ts'),
      'the graph is followed',
    );
  });
});

/**
 * The source files reachable from `entries` by static and dynamic imports, and the packages they import (a deep
 * import such as `hono/cors` counts as `hono`), each with the files that import it.
 */
function importGraph(entries: string[]): { files: string[]; packages: Map<string, Set<string>> } {
  const seen = new Set<string>();
  const packages = new Map<string, Set<string>>();
  const builtins = new Set(builtinModules);
  const IMPORT =
    /(?:^|[^\w.])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]|\.resolve\(\s*['"]([^'"./][^'"]*)['"]\s*\)/gm;
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = read(file).replace(/^\s*(\/\/|\*).*$/gm, '');
    for (const match of text.matchAll(IMPORT)) {
      const spec = match[1] ?? match[2] ?? match[3] ?? match[4]!;
      if (spec.startsWith('.')) {
        let target = relative(ROOT, join(ROOT, dirname(file), spec));
        if (!existsSync(join(ROOT, target)) && target.endsWith('.js')) target = target.replace(/\.js$/, '.ts');
        assert.ok(existsSync(join(ROOT, target)), `${file} imports ${spec}, which does not exist`);
        visit(target);
      } else if (!spec.startsWith('node:') && !builtins.has(spec)) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        packages.set(name, (packages.get(name) ?? new Set()).add(file));
      }
    }
  };
  entries.forEach(visit);
  return { files: [...seen], packages };
}
