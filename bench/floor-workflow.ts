// The floor `npm run bench` measures Revoker against: a bare workflow of the playbook's shape (three parallel
// chains of read → act → verify, each a no-op activity) on its own task queue and worker, with nothing else.
import { condition, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { FloorActivities } from './floor-activities.js';

const { read, act, verify } = proxyActivities<FloorActivities>({ startToCloseTimeout: '10s' });

/** Lets a waiting floor workflow go on (the waiting-memory measure holds 1,000 of them). */
export const goSignal = defineSignal('go');
/** One more alert about the same principal (the storm's floor: signal-with-start into one workflow). */
export const alertSignal = defineSignal<[string]>('alert');
/** Alerts had so far, and whether the workflow is waiting. */
export const floorStateQuery = defineQuery<{ alerts: number; waiting: boolean }>('floorState');

export async function floorPlaybook(input: { chains: number; wait: boolean }): Promise<string> {
  let alerts = 0;
  let waiting = input.wait;
  setHandler(alertSignal, () => void (alerts += 1));
  setHandler(floorStateQuery, () => ({ alerts, waiting }));
  if (input.wait) {
    setHandler(goSignal, () => void (waiting = false));
    await condition(() => !waiting);
  }
  await Promise.all(
    Array.from({ length: input.chains }, async (_, chain) => {
      await read(chain);
      await act(chain);
      await verify(chain);
    }),
  );
  return 'done';
}
