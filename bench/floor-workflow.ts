// The floor `npm run bench` measures Revoker against: a bare workflow of the playbook's shape (three parallel
// chains of read → act → verify, each a no-op activity) on its own task queue and worker, with nothing else.
import { condition, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { FloorActivities } from './floor-activities.js';

const { read, act, verify } = proxyActivities<FloorActivities>({ startToCloseTimeout: '10s' });

/** Lets a waiting floor workflow go on (the waiting-memory measure holds 1,000 of them). */
export const goSignal = defineSignal('go');
/** Whether the workflow is waiting. */
export const floorStateQuery = defineQuery<{ waiting: boolean }>('floorState');

export async function floorPlaybook(input: { chains: number; wait: boolean }): Promise<string> {
  let waiting = input.wait;
  setHandler(floorStateQuery, () => ({ waiting }));
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
