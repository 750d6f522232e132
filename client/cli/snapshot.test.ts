// What the CLI prints at 80 and 200 columns, compared with the committed text in __snapshots__/.
// After an intended change to the output, regenerate them and review the diff:
//   REVOKER_UPDATE_SNAPSHOTS=1 node --import tsx --test client/cli/snapshot.test.ts
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { PlaybookStatus, Report } from '../../domain/report.js';
import { ROOT } from '../../scripts/bootstrap.mjs';
import type { DryRunGateway } from './dry-run-gateway.js';
import { terminalOf, width, type Terminal } from './layout.js';
import { runCli } from './program.js';
import {
  entraStatus,
  HANDLE,
  incidentStatus,
  playbookSummaries,
  rehearsal,
  releasedStatus,
  withOthers,
} from './status-fixture.js';
import type { ClosableGateway } from './temporal-gateway.js';

const SNAPSHOTS = fileURLToPath(new URL('./__snapshots__/', import.meta.url));
const UPDATE = process.env.REVOKER_UPDATE_SNAPSHOTS === '1';
const WIDTHS = [80, 200];

/** The CLI's stdout for `args`, against stand-ins for Temporal that answer with the fixtures. */
async function cli(args: string[], terminal: Terminal, report: Report = withOthers(rehearsal())): Promise<string> {
  const statuses = new Map<string, PlaybookStatus>(
    [incidentStatus(), entraStatus(), { ...releasedStatus(), handle: 'INC-9QK3ZD' }].map((s) => [s.workflowId, s]),
  );
  const byReference = (reference: string) =>
    [...statuses.values()].find((s) => s.handle === reference.toUpperCase() || s.workflowId === reference);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const gateway: ClosableGateway = {
    status: (id) => {
      const status = byReference(id);
      return status ? Promise.resolve(status) : Promise.reject(new Error(`no fixture ${id}`));
    },
    resolve: (reference) => Promise.resolve(byReference(reference)?.workflowId ?? reference),
    list: () => Promise.resolve(playbookSummaries()),
    decide: () => Promise.reject(new Error('no decision in a snapshot')),
    close: () => Promise.resolve(),
  };
  const dryRun: DryRunGateway = {
    where: 'localhost:7233 (namespace default)',
    dryRun: () => Promise.resolve(report),
    close: () => Promise.resolve(),
  };
  const code = await runCli(args, {
    connect: () => Promise.resolve(gateway),
    connectDryRun: () => Promise.resolve(dryRun),
    stdout: (text) => stdout.push(text),
    stderr: (text) => stderr.push(text),
    env: {},
    terminal,
    now: () => Date.parse('2026-11-23T10:05:00.000Z'),
  });
  assert.ok(code === 0 || (args[0] === 'dry-run' && code === 1), stderr.join(''));
  return stdout.join('');
}

function matchesSnapshot(name: string, text: string): void {
  const file = `${SNAPSHOTS}${name}.txt`;
  if (UPDATE) {
    mkdirSync(SNAPSHOTS, { recursive: true });
    writeFileSync(file, text);
    return;
  }
  assert.ok(existsSync(file), `no snapshot ${file}: write it with REVOKER_UPDATE_SNAPSHOTS=1`);
  assert.equal(
    text,
    readFileSync(file, 'utf8'),
    `the output differs from ${file}; if the change is intended, regenerate with REVOKER_UPDATE_SNAPSHOTS=1 and review the diff`,
  );
}

const COMMANDS: Record<string, string[]> = {
  'status-awaiting': ['status', HANDLE],
  'status-wide-characters': ['status', 'INC-2M8W4R'],
  'status-released': ['status', 'INC-9QK3ZD'],
  list: ['list'],
  pending: ['pending'],
  'dry-run': ['dry-run', `${ROOT}/examples/alerts/aws-compromised-user.json`],
};

describe('the CLI at 80 and 200 columns (snapshots in client/cli/__snapshots__)', () => {
  for (const [name, args] of Object.entries(COMMANDS)) {
    for (const columns of WIDTHS) {
      it(`revoker ${args[0]} (${name}) at ${columns} columns matches its snapshot and fits`, async () => {
        const text = await cli(args, { columns, color: false });
        matchesSnapshot(`${name}.${columns}`, text);
        const over = text.split('\n').filter((line) => width(line) > columns && !isCommand(line) && !isLoneId(line));
        assert.deepEqual(over, [], `lines wider than ${columns} columns`);
      });
    }
  }
});

/** Printed commands stay whole, to be copied: one of the two kinds of line allowed past the width. */
function isCommand(line: string): boolean {
  return /^ *revoker (approve|reject|release) /.test(line);
}

/** An id wider than the terminal, alone on its line, whole: the other. */
function isLoneId(line: string): boolean {
  return /^ *[\x21-\x7e]+$/.test(line);
}

describe('piped output', () => {
  it('has no ANSI escapes and is the same whatever the width, while a terminal gets colours and its width', async () => {
    const env = {};
    for (const [name, args] of Object.entries(COMMANDS)) {
      const narrow = await cli(args, terminalOf({ isTTY: false, columns: 80 }, env));
      const wide = await cli(args, terminalOf({ isTTY: false, columns: 200 }, env));
      assert.equal(narrow, wide, `${name}: piped output depends on the width`);
      assert.doesNotMatch(narrow, /\u001b\[/, `${name}: piped output has ANSI escapes`);
      assert.ok(
        narrow.split('\n').some((line) => width(line) > 120),
        `${name}: piped rows stay on one line`,
      );
    }
    const onTerminal = await cli(COMMANDS['status-awaiting'] ?? [], terminalOf({ isTTY: true, columns: 80 }, env));
    assert.match(onTerminal, /\u001b\[1mWaiting for a decision \(1\)\u001b\[22m/);
    const noColor = await cli(
      COMMANDS['status-awaiting'] ?? [],
      terminalOf({ isTTY: true, columns: 80 }, { NO_COLOR: '1' }),
    );
    assert.doesNotMatch(noColor, /\u001b\[/, 'NO_COLOR is honoured');
    assert.equal(noColor, await cli(COMMANDS['status-awaiting'] ?? [], { columns: 80, color: false }));
  });
});
