import {
  ApplicationFailure,
  patched,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { z } from 'zod';
import { describeIssues } from '../domain/issues.js';
import {
  abandonRelease,
  emptyLedger,
  GoneRequestSchema,
  hold,
  holdMustWait,
  incidentOf,
  HoldRequestSchema,
  isIdle,
  recordGone,
  recordOutcome,
  RecordRequestSchema,
  recordReleased,
  ReleasedRequestSchema,
  releaseHold,
  type Ledger,
} from '../domain/ledger.js';
import {
  holdControlUpdate,
  holdersSignal,
  ledgerQuery,
  PRINCIPAL_MESSAGE_DESCRIPTIONS as DESCRIPTIONS,
  recordControlUpdate,
  recordGoneUpdate,
  releaseControlUpdate,
  releasedControlUpdate,
} from '../domain/messages.js';

/**
 * How long a hold waits for another incident's release of the same control to finish. A release step
 * takes at most two schedule-to-close limits (act, then verify: 15 minutes each by default); longer, its
 * incident was terminated or cancelled mid-release and will never say how it ended.
 */
const RELEASE_GIVEN_UP_AFTER = '35m';

export interface PrincipalInput {
  /** The canonical principal key: `principal/<key>` is the workflow id. */
  principal: string;
  /** Carried over by continue-as-new. */
  ledger?: Ledger;
}

/** A hold's answer is the holder's only news of the other holders (no Signal to it as well). */
const ANSWER_TELLS_HOLDER = 'hold-answer-tells-holder';

/**
 * One canonical principal's containment: the ledger of the controls Revoker put in force on it and
 * the incidents holding each. Incidents are its clients (activities/ledger.ts sends their Updates);
 * it changes no cloud itself, it only decides who may undo what, and makes holds wait while a
 * release of the same control is under way so the two never race at the cloud. It lives while any
 * control is in force.
 */
export async function principal(input: PrincipalInput): Promise<void> {
  const ledger = input.ledger ?? emptyLedger(input.principal);
  /** Holder lists pushed to incidents, so each one's release preview names who else holds its controls. */
  const pushes: Promise<void>[] = [];

  const validated =
    <S extends z.ZodType>(schema: S) =>
    (payload: unknown): void => {
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        const why = describeIssues(parsed.error);
        throw ApplicationFailure.create({
          type: 'InvalidLedgerRequest',
          message: why.slice(0, 500),
          nonRetryable: true,
        });
      }
    };

  setHandler(
    holdControlUpdate,
    async (request) => {
      if (!(await condition(() => !holdMustWait(ledger, request), RELEASE_GIVEN_UP_AFTER))) {
        const stale = abandonRelease(ledger, request.control);
        log.warn('a release never said how it ended: holds go on', { control: request.control, releasing: stale });
      }
      const answer = hold(ledger, request);
      // The new holder learns who else holds the control from the answer; runs recorded before signalled it too.
      announce(request.control, patched(ANSWER_TELLS_HOLDER) ? request.incident : undefined);
      return answer;
    },
    { validator: validated(HoldRequestSchema), description: DESCRIPTIONS.holdControl },
  );
  setHandler(
    recordControlUpdate,
    (request) => {
      recordOutcome(ledger, request);
      if (request.outcome === 'failed') announce(request.control);
    },
    { validator: validated(RecordRequestSchema), description: DESCRIPTIONS.recordControl },
  );
  setHandler(recordGoneUpdate, (request) => recordGone(ledger, request), {
    validator: validated(GoneRequestSchema),
    description: DESCRIPTIONS.recordGone,
  });
  setHandler(
    releaseControlUpdate,
    (request) => {
      const answer = releaseHold(ledger, request);
      announce(request.control);
      return answer;
    },
    { validator: validated(HoldRequestSchema), description: DESCRIPTIONS.releaseControl },
  );
  setHandler(releasedControlUpdate, (request) => recordReleased(ledger, request), {
    validator: validated(ReleasedRequestSchema),
    description: DESCRIPTIONS.releasedControl,
  });
  setHandler(ledgerQuery, () => ledger, { description: DESCRIPTIONS.ledger });

  /** Tells each holder of a control who else holds it (best effort: a closed incident needs no news). */
  function announce(control: string, answered?: string): void {
    const holders = ledger.controls[control]?.holders ?? [];
    for (const incident of holders) {
      if (incident === answered) continue;
      const heldBy = holders.filter((h) => h !== incident);
      pushes.push(
        getExternalWorkflowHandle(incidentOf(incident))
          .signal(holdersSignal, { incident, control, heldBy })
          .catch((error: unknown) => log.info('holder not told', { incident, control, error: String(error) })),
      );
    }
  }

  // Lives while anything is in force; a long life is continued as new with the ledger carried over.
  for (;;) {
    await condition(() => isIdle(ledger) || workflowInfo().continueAsNewSuggested);
    await Promise.all(pushes.splice(0));
    await condition(allHandlersFinished);
    if (isIdle(ledger) && pushes.length === 0) return;
    if (workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof principal>({ principal: input.principal, ledger });
    }
  }
}
