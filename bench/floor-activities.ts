/** The floor's activities: no-ops, so what the floor measures is Temporal's own cost. */
export const floorActivities = {
  read: (chain: number): Promise<number> => Promise.resolve(chain),
  act: (chain: number): Promise<number> => Promise.resolve(chain),
  verify: (chain: number): Promise<boolean> => Promise.resolve(chain >= 0),
};
export type FloorActivities = typeof floorActivities;
