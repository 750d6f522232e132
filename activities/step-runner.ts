import { ApplicationFailure } from '@temporalio/activity';
import { RUN_STEP_ACTIVITY as RUN_STEP } from '../domain/action.js';
import type { CheckResult, StepOutcome } from '../domain/report.js';

/** One of a provider's activities by name, with its argument (domain/action.ts's activityCall). */
export interface StepCall {
  activity: string;
  argument: unknown;
}

/** A step's act and the verification that follows it. */
export interface StepRun {
  act: StepCall;
  verify: StepCall;
}

export interface StepRunResult {
  outcome: StepOutcome;
  check: CheckResult;
}

/**
 * A provider's activities, and `runStep`: a step's act and its first verification in one activity, so a step costs
 * one dispatch and one workflow task instead of two of each. Both are the provider's own activities, called by the
 * names the action kind's registry entry gives; a retry acts again (every act reads first and changes only what
 * differs) and the attempt's intent makes a change an earlier attempt landed count as this step's.
 */
export function withStepRunner<T extends object>(
  activities: T,
): T & { [RUN_STEP]: (run: StepRun) => Promise<StepRunResult> } {
  const named = activities as Record<string, unknown>;
  const activity = (name: string) => {
    const fn = named[name];
    if (name === RUN_STEP || typeof fn !== 'function') {
      throw ApplicationFailure.create({
        type: 'InvalidRequestError',
        message: `this worker has no activity ${name}: run a worker of the same Revoker version on this queue`,
        nonRetryable: true,
      });
    }
    return (argument: unknown) => (fn as (argument: unknown) => Promise<unknown>).call(activities, argument);
  };
  return {
    ...activities,
    async [RUN_STEP]({ act, verify }: StepRun): Promise<StepRunResult> {
      const outcome = (await activity(act.activity)(act.argument)) as StepOutcome;
      const check = (await activity(verify.activity)(verify.argument)) as CheckResult;
      return { outcome, check };
    },
  };
}
