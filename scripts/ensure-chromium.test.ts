import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEBIAN_CHROMIUM, planChromium } from './ensure-chromium.mjs';

const only =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);

describe('Chromium provisioning', () => {
  it('uses CHROMIUM_PATH first, and refuses one that does not exist', () => {
    const facts = { isRoot: true, aptGet: '/usr/bin/apt-get' };
    assert.deepEqual(
      planChromium({ ...facts, chromiumPath: '/opt/chrome', exists: only('/opt/chrome', DEBIAN_CHROMIUM) }),
      { use: '/opt/chrome' },
    );
    const missing = planChromium({ ...facts, chromiumPath: '/opt/chrome', exists: only(DEBIAN_CHROMIUM) });
    assert.match(missing.fail ?? '', /CHROMIUM_PATH is set to \/opt\/chrome, which does not exist/);
  });

  it("uses Debian's Chromium when present, installs it only as root with apt-get, else says how", () => {
    const none = only();
    assert.deepEqual(
      planChromium({ chromiumPath: undefined, exists: only(DEBIAN_CHROMIUM), isRoot: false, aptGet: undefined }),
      { use: DEBIAN_CHROMIUM },
    );
    assert.deepEqual(
      planChromium({ chromiumPath: undefined, exists: none, isRoot: true, aptGet: '/usr/bin/apt-get' }),
      {
        install: '/usr/bin/apt-get',
      },
    );
    const notRoot = planChromium({ chromiumPath: undefined, exists: none, isRoot: false, aptGet: '/usr/bin/apt-get' });
    assert.match(notRoot.fail ?? '', /not running as root.*apt-get install chromium.*CHROMIUM_PATH/);
    const noApt = planChromium({ chromiumPath: undefined, exists: none, isRoot: true, aptGet: undefined });
    assert.match(noApt.fail ?? '', /apt-get is not available.*CHROMIUM_PATH/);
  });

  it('prints the path for npm test, or exits 1 with the reason', () => {
    const script = join(import.meta.dirname, 'ensure-chromium.mjs');
    const fake = join(mkdtempSync(join(tmpdir(), 'fake-chromium-')), 'chromium');
    writeFileSync(fake, '#!/bin/sh\n', { mode: 0o755 });
    const ok = spawnSync(process.execPath, [script], {
      env: { ...process.env, CHROMIUM_PATH: fake },
      encoding: 'utf8',
    });
    assert.equal(ok.stdout.trim(), fake);
    const bad = spawnSync(process.execPath, [script], {
      env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' },
      encoding: 'utf8',
    });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /CHROMIUM_PATH is set to \/nonexistent\/chromium/);
  });
});
