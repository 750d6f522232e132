// `npm run test:reliability`: the testing kit as a team gets it from a release. `npm run build` compiles Revoker into
// a package directory of its own, `npm pack` makes the tarball package.json's `files` allows, and a team project in a
// temporary directory installs it (its dependencies from the npm cache). There a JavaScript test runs with plain
// `node --test` — no tsx, no TypeScript — on a real Temporal dev server the kit starts, and tsc checks the team's
// TypeScript test (examples/team-test/playbook.test.ts) against the kit's declarations.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { recordFigure } from './figures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const STAGE = join(ROOT, 'test-results', 'kit-build');
const TEAM = mkdtempSync(join(tmpdir(), 'revoker-team-'));

after(() => {
  rmSync(STAGE, { recursive: true, force: true });
  rmSync(TEAM, { recursive: true, force: true });
});

function run(command: string, args: string[], options: SpawnSyncOptions): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  assert.equal(
    result.status,
    0,
    `${command} ${args.join(' ')} failed (${result.error?.message ?? result.status}):\n${String(result.stdout)}\n${String(result.stderr)}`,
  );
  return String(result.stdout);
}

// The team's JavaScript test: the README's example, without types.
const TEAM_TEST = `import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startSandbox } from 'revoker/testing';

const alert = {
  source: 'splunk',
  id: 'finding-0001',
  title: "deploy-bot's access key used from an unfamiliar network",
  severity: 'high',
  observedAt: '2026-11-23T09:14:00Z',
  principals: [{ type: 'aws.user', accountId: '111122223333', userName: 'deploy-bot' }],
};

let sandbox;
before(async () => {
  sandbox = await startSandbox({
    seeds: { aws: new URL('./aws-seed.json', import.meta.url) },
    policy: new URL('./policy.yaml', import.meta.url),
  });
});
after(() => sandbox.close());

it('deletes the key once the SOC approves', async () => {
  const playbook = await sandbox.run(alert);
  await playbook.approve('all', { as: 'sam@example.com', reason: 'confirmed' });
  const report = await playbook.report();
  assert.equal(report.state, 'Contained');
  assert.equal(sandbox.aws.accessKey('AKIADEPLOYBOT0000001'), undefined, 'the key is gone');
});
`;

it(
  'installs from npm pack of a build; a team test runs with plain node and typechecks against the declarations',
  { timeout: 900_000 },
  () => {
    const started = Date.now();
    rmSync(STAGE, { recursive: true, force: true });
    const pkg = join(STAGE, 'package');
    // The release as a checkout's `npm run build` leaves it: dist/ beside package.json and bin/.
    run(process.execPath, ['scripts/build.mjs', '--out-dir', join('test-results', 'kit-build', 'package', 'dist')], {
      cwd: ROOT,
    });
    cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    cpSync(join(ROOT, 'bin'), join(pkg, 'bin'), { recursive: true });
    // Sources that `files` must keep out of the tarball.
    mkdirSync(join(pkg, 'testing'));
    writeFileSync(join(pkg, 'testing', 'index.ts'), '// not for the tarball\n');

    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', STAGE], { cwd: pkg })) as {
      filename: string;
      files: { path: string }[];
    }[];
    assert.ok(packed, 'npm pack made a tarball');
    const files = packed.files.map((file) => file.path);
    for (const needed of [
      'package.json',
      'bin/revoker.mjs',
      'dist/testing/index.js',
      'dist/testing/index.d.ts',
      'dist/workflow-bundle.js',
      'dist/simulators/aws/fixtures/sandbox.json',
      'dist/scripts/ensure-temporal-cli.mjs',
    ]) {
      assert.ok(files.includes(needed), `the tarball carries ${needed}`);
    }
    assert.deepEqual(
      files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts')),
      [],
      'and no TypeScript sources or tests',
    );

    writeFileSync(
      join(TEAM, 'package.json'),
      JSON.stringify({ name: 'team-policy-tests', private: true, type: 'module' }, null, 2),
    );
    const installStarted = Date.now();
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--save-dev', join(STAGE, packed.filename)], {
      cwd: TEAM,
    });
    const installSeconds = (Date.now() - installStarted) / 1000;
    for (const file of ['aws-seed.json', 'policy.yaml', 'playbook.test.ts']) {
      cpSync(join(ROOT, 'examples', 'team-test', file), join(TEAM, file));
    }
    writeFileSync(join(TEAM, 'playbook.test.mjs'), TEAM_TEST);

    // The team's own sandbox CA, created by the installed kit and named at process start (docs/testing-kit.md).
    // NODE_TEST_CONTEXT unset: the team's runner reports as its own, not as a child of this one.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_OPTIONS: '',
      REVOKER_SANDBOX_CA_DIR: join(TEAM, '.revoker', 'sandbox-ca'),
    };
    delete env.NODE_TEST_CONTEXT;
    const caCert = run(
      process.execPath,
      [join('node_modules', 'revoker', 'dist', 'simulators', 'entra', 'main.js'), '--ensure-ca'],
      { cwd: TEAM, env },
    ).trim();
    const testStarted = Date.now();
    const output = run(process.execPath, ['--test', '--test-reporter=spec', 'playbook.test.mjs'], {
      cwd: TEAM,
      env: { ...env, NODE_EXTRA_CA_CERTS: caCert },
    });
    assert.match(output, /✔ deletes the key once the SOC approves/);
    const testSeconds = (Date.now() - testStarted) / 1000;

    // The CLI the package installs runs the build (bin/revoker.mjs): no sources, no tsx.
    const help = run(join('node_modules', '.bin', 'revoker'), ['--help'], { cwd: TEAM, env });
    assert.match(help, /Usage: revoker/);

    // The TypeScript test, checked against dist/testing/*.d.ts (the team brings its compiler and Node's types).
    writeFileSync(
      join(TEAM, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
        },
        files: ['playbook.test.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const read = run(process.execPath, [tsc, '-p', 'tsconfig.json', '--listFiles'], { cwd: TEAM }).split('\n');
    assert.ok(
      read.some((file) => file.endsWith('/node_modules/revoker/dist/testing/index.d.ts')),
      'tsc read the kit from its declarations',
    );
    assert.deepEqual(
      read.filter((file) => file.includes('/node_modules/revoker/') && !/\.d\.m?ts$/.test(file)),
      [],
      'and no TypeScript source of it',
    );
    // And a type error in the team's test is caught: the declarations are not `any`.
    writeFileSync(
      join(TEAM, 'playbook.test.ts'),
      "import { startSandbox } from 'revoker/testing';\nawait startSandbox({ seeds: 42 });\n",
    );
    const wrong = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: TEAM, encoding: 'utf8' });
    assert.notEqual(wrong.status, 0, 'tsc refuses a wrong call');
    assert.match(wrong.stdout, /playbook\.test\.ts.*error TS2/);

    recordFigure({
      scenario: 'testing kit from npm pack: plain node test and tsc',
      runs: 1,
      lost: 0,
      duplicated: 0,
      fiveXx: 0,
      note: `build+pack+install ${((Date.now() - started) / 1000 - testSeconds).toFixed(0)} s (install ${installSeconds.toFixed(0)} s), team test ${testSeconds.toFixed(0)} s`,
    });
  },
);
