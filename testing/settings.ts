import type { PlaybookSettings } from '../domain/playbook-input.js';
import { DEFAULT_POLICY, type Policy } from '../domain/policy.js';

/** Short timings: no time-skipping server can be had here, so tests shorten the real clocks. */
export const TEST_SETTINGS: PlaybookSettings = {
  activityTimeout: '10s',
  retryInitialInterval: '50ms',
  retryMaximumInterval: '200ms',
  retryMaximumAttempts: 6,
  // The simulators commit at once unless a test turns on propagationMs; a lost write is then caught in a second.
  verifyWithin: '1s',
};

/** The default policy, except that a contained playbook closes at once: most tests await its report. */
export const TEST_POLICY: Policy = { ...DEFAULT_POLICY, releaseWindow: '0s' };
