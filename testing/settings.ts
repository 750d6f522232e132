import type { PlaybookSettings } from '../domain/playbook-input.js';
import { DEFAULT_POLICY, type Policy } from '../domain/policy.js';

const SWEEP_OFF = {
  enabled: false,
  findings: 'approval',
  lookback: '72h',
  watchAtMost: '24h',
  pollEvery: '5m',
  settle: '15m',
} as const;

/** Short timings: no time-skipping server can be had here, so tests shorten the real clocks. */
export const TEST_SETTINGS: PlaybookSettings = {
  activityTimeout: '10s',
  retryInitialInterval: '50ms',
  retryMaximumInterval: '200ms',
  retryMaximumAttempts: 6,
  // The simulators commit at once unless a test turns on propagationMs; a lost write is then caught in a second.
  verifyWithin: '1s',
};

/**
 * The default policy, except that a contained playbook closes at once: most tests await its report. The sweep and
 * watch are off (each would read the trails and keep the incident open): SWEEP_TEST_POLICY turns them on.
 */
export const TEST_POLICY: Policy = { ...DEFAULT_POLICY, releaseWindow: '0s', sweep: { ...SWEEP_OFF } };

/** The sweep and a watch of a few seconds: the trails read every second, for as long as the simulators take to deliver. */
export const SWEEP_TEST_POLICY: Policy = {
  ...DEFAULT_POLICY,
  releaseWindow: '0s',
  sweep: { enabled: true, findings: 'approval', lookback: '1h', watchAtMost: '8s', pollEvery: '1s', settle: '2s' },
};
