import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkCli, parseVersion } from './ensure-temporal-cli.mjs';

function fakeCli(output: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fake-temporal-')), 'temporal');
  writeFileSync(path, `#!/bin/sh\necho '${output}'\n`, { mode: 0o755 });
  return path;
}

describe('Temporal CLI provisioning', () => {
  it('reads the server version of a go-installed build, not the CLI version', () => {
    assert.deepEqual(parseVersion('temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)')?.server, [1, 29, 1]);
    assert.equal(parseVersion('temporal version 1.5.1')?.server, undefined);
  });

  it('accepts a recent server and explains an old or foreign binary', () => {
    assert.equal(checkCli(fakeCli('temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)')), undefined);
    assert.match(
      checkCli(fakeCli('temporal version 1.1.0 (Server 1.24.2, UI 2.28.0)')) ?? '',
      /Server 1\.24\.2; Revoker needs 1\.29\.0/,
    );
    assert.match(checkCli(fakeCli('hello')) ?? '', /names no Temporal server version/);
    assert.match(checkCli('/nonexistent/temporal') ?? '', /could not run/);
  });

  it('honours TEMPORAL_CLI_PATH first and says what is wrong with it', () => {
    const script = join(import.meta.dirname, 'ensure-temporal-cli.mjs');
    const good = fakeCli('temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)');
    const ok = spawnSync(process.execPath, [script], {
      env: { ...process.env, TEMPORAL_CLI_PATH: good },
      encoding: 'utf8',
    });
    assert.equal(ok.stdout.trim(), good);
    const bad = spawnSync(process.execPath, [script], {
      env: { ...process.env, TEMPORAL_CLI_PATH: '/nonexistent' },
      encoding: 'utf8',
    });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /TEMPORAL_CLI_PATH is set but unusable/);
  });
});
