// The figure table of `npm run test:reliability`: each scenario records what it measured here, and
// scripts/reliability.mjs prints every scenario's row side by side once all have run (each reliability file runs in
// its own process, so rows go through a file, one JSON line each).
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Figure {
  /** What was done, in a few words: `kill -9 worker mid three-cloud playbook`. */
  readonly scenario: string;
  /** How many playbooks (or alerts, for intake scenarios: say which in `unit`) the scenario ran. */
  readonly runs: number;
  /** What the scenario counts in `runs`; default `playbooks`. */
  readonly unit?: string;
  /** Playbooks (or accepted alerts) that never finished or were never found. */
  readonly lost: number;
  /** Cloud mutations made more than once (simulator counters), or alerts started twice. */
  readonly duplicated: number;
  /** Replies with a 5xx status that a sender would retry for hours. */
  readonly fiveXx: number;
  /** From the fault (kill, stop, outage) to the first sign of recovery; omitted when nothing was broken. */
  readonly recoverMs?: number;
  /** Anything else a reader needs: `30 % faults`, `p95 4.1 s`. */
  readonly note?: string;
}

export const FIGURES_FILE =
  process.env.REVOKER_FIGURES_FILE ??
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-results', 'reliability-figures.jsonl');

/** Adds the scenario's row to the table printed at the end of `npm run test:reliability`. */
export function recordFigure(figure: Figure): void {
  mkdirSync(dirname(FIGURES_FILE), { recursive: true });
  appendFileSync(FIGURES_FILE, `${JSON.stringify(figure)}\n`);
}
