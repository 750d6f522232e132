import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from '../../scripts/bootstrap.mjs';

const run = promisify(execFile);

/**
 * `revoker` as `npm link` installs it: a symlink to bin/revoker.mjs on PATH, run from another directory,
 * here one holding a TypeScript project of its own whose tsconfig would break Revoker's imports if tsx read it.
 */
describe('the revoker command on PATH', () => {
  const dir = mkdtempSync(join(tmpdir(), 'revoker-bin-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  const project = join(dir, 'elsewhere');
  mkdirSync(bin);
  mkdirSync(project);
  symlinkSync(join(ROOT, 'bin/revoker.mjs'), join(bin, 'revoker'));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { commander: ['./not-commander.ts'] } } }),
  );
  writeFileSync(join(project, 'not-commander.ts'), 'export const Command = 1;\n');
  const revoker = (...args: string[]) =>
    run('revoker', args, {
      cwd: project,
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: dir },
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);

  it('runs through the symlink from another project, with its own tsconfig', async () => {
    const help = await revoker('--help');
    assert.match(help.stdout, /^Usage: revoker \[options\] \[command\]/);
    const whoami = await revoker('whoami');
    assert.equal('code' in whoami ? whoami.code : 0, 1, whoami.stderr);
    assert.match(whoami.stdout, /^nobody: who decides\? pass --as <you@example.com>, set REVOKER_IDENTITY=/);
  });
});
