#!/usr/bin/env node
// `npm run test:reliability`: every test/reliability/*.reliability.ts (long soaks, crashes and faults kept out of
// `npm test`), then the figure table their scenarios recorded (test/reliability/figures.ts): scenario, runs, lost,
// duplicated, 5xx and time to recover. The table is also written to test-results/reliability-figures.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './bootstrap.mjs';

const FIGURES = process.env.REVOKER_FIGURES_FILE ?? join(ROOT, 'test-results', 'reliability-figures.jsonl');
const dir = join(ROOT, 'test', 'reliability');
const named = process.argv.slice(2);
const files = named.length
  ? named
  : readdirSync(dir)
      .filter((name) => name.endsWith('.reliability.ts'))
      .sort()
      .map((name) => join('test', 'reliability', name));

rmSync(FIGURES, { force: true });
const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'test.mjs'), '--no-checks', ...files], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, REVOKER_FIGURES_FILE: FIGURES },
});

const { default: stringWidth } = await import('string-width');
const rows = existsSync(FIGURES)
  ? readFileSync(FIGURES, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];
const seconds = (ms) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);
const header = ['scenario', 'runs', 'lost', 'duplicated', '5xx', 'time to recover', 'note'];
const body = rows.map((r) => [
  r.scenario,
  `${r.runs}${r.unit && r.unit !== 'playbooks' ? ` ${r.unit}` : ''}`,
  String(r.lost),
  String(r.duplicated),
  String(r.fiveXx),
  seconds(r.recoverMs),
  r.note ?? '',
]);
const widths = header.map((h, i) => Math.max(stringWidth(h), ...body.map((row) => stringWidth(row[i]))));
const pad = (cell, i) => cell + ' '.repeat(widths[i] - stringWidth(cell));
const line = (cells) => `| ${cells.map(pad).join(' | ')} |`;
const table = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
process.stdout.write(`\nReliability figures (${new Date().toISOString().slice(0, 10)}):\n\n${table}\n`);
mkdirSync(join(ROOT, 'test-results'), { recursive: true });
writeFileSync(join(ROOT, 'test-results', 'reliability-figures.md'), `${table}\n`);
process.exit(run.status ?? 1);
