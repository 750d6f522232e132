import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  BINARIES,
  checkBinary,
  findCachedServer,
  parseServerVersion,
  planPostgres,
  SCHEMA,
  SERVER_TAG,
} from './ensure-temporal-server.mjs';

function fakeBinary(dir: string, name: string, output: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho '${output}'\n`, { mode: 0o755 });
  return path;
}

const scratch = (): string => mkdtempSync(join(tmpdir(), 'fake-temporal-server-'));
const only =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);
const pgBin = (major: string) => join('/usr/lib/postgresql', major, 'bin');
const pgTools = (major: string) => ['initdb', 'pg_ctl', 'postgres'].map((name) => join(pgBin(major), name));

describe('Temporal server provisioning', () => {
  it('reads the versions the server and temporal-sql-tool print, and refuses old or foreign binaries', () => {
    assert.deepEqual(parseServerVersion('temporal version 1.29.1'), [1, 29, 1]);
    assert.deepEqual(parseServerVersion('temporal-sql-tool version 1.29.1'), [1, 29, 1]);
    assert.equal(parseServerVersion('hello'), undefined);
    const dir = scratch();
    assert.equal(checkBinary(fakeBinary(dir, 'a', 'temporal version 1.29.1')), undefined);
    assert.match(checkBinary(fakeBinary(dir, 'b', 'temporal version 1.24.2')) ?? '', /tested with 1\.29\.0 or later/);
    assert.match(checkBinary(fakeBinary(dir, 'c', 'hello')) ?? '', /names no Temporal version/);
    assert.match(checkBinary('/nonexistent/temporal-server') ?? '', /could not run/);
  });

  it('uses a cache only when it holds this release, both binaries and the schema', () => {
    const dir = scratch();
    mkdirSync(join(dir, 'bin'));
    fakeBinary(join(dir, 'bin'), BINARIES.server.file, 'temporal version 1.29.1');
    fakeBinary(join(dir, 'bin'), BINARIES.sqlTool.file, 'temporal-sql-tool version 1.29.1');
    writeFileSync(join(dir, 'build.json'), JSON.stringify({ version: SERVER_TAG }));
    assert.equal(findCachedServer(dir), undefined, 'no schema yet');
    mkdirSync(join(dir, SCHEMA, 'temporal', 'versioned'), { recursive: true });
    assert.deepEqual(findCachedServer(dir), {
      server: join(dir, 'bin', 'temporal-server'),
      sqlTool: join(dir, 'bin', 'temporal-sql-tool'),
      schemaDir: join(dir, SCHEMA),
    });
    writeFileSync(join(dir, 'build.json'), JSON.stringify({ version: 'v1.28.0' }));
    assert.equal(findCachedServer(dir), undefined, 'another release');
  });

  it('uses the newest Debian PostgreSQL, installs it only as root with apt-get, else says how', () => {
    const facts = { isRoot: true, aptGet: '/usr/bin/apt-get' };
    assert.deepEqual(
      planPostgres({ ...facts, majors: ['13', '15'], exists: only(...pgTools('13'), ...pgTools('15')) }),
      {
        use: pgBin('15'),
      },
    );
    assert.deepEqual(
      planPostgres({ ...facts, majors: ['15', '16'], exists: only(...pgTools('15')) }),
      { use: pgBin('15') },
      'a major without its server binaries is passed over',
    );
    assert.deepEqual(planPostgres({ ...facts, majors: [], exists: only() }), { install: '/usr/bin/apt-get' });
    const notRoot = planPostgres({ majors: [], exists: only(), isRoot: false, aptGet: '/usr/bin/apt-get' });
    assert.match(notRoot.fail ?? '', /not running as root.*apt-get install postgresql/);
    const noApt = planPostgres({ majors: [], exists: only(), isRoot: true, aptGet: undefined });
    assert.match(noApt.fail ?? '', /apt-get is not available/);
  });

  it('refuses an unusable TEMPORAL_SERVER_PATH, saying which variable', () => {
    const script = join(import.meta.dirname, 'ensure-temporal-server.mjs');
    const bad = spawnSync(process.execPath, [script], {
      env: { ...process.env, TEMPORAL_SERVER_PATH: '/nonexistent/temporal-server' },
      encoding: 'utf8',
    });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /TEMPORAL_SERVER_PATH is set but unusable: could not run/);
  });
});
