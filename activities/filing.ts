import type { PrincipalTags } from '../connect/payload-codec.js';

export interface FilingActivityDeps {
  /** connect/payload-codec.ts principalTags: keyed with the payload keys, which workflow code never holds. */
  tags: PrincipalTags;
}

/**
 * What the playbook files an incident under (the RevokerPrincipal search attribute): keyed hashes of
 * its principal keys, so visibility and history hold no principal name while clients holding the
 * same keys still find the incident. A local activity of the playbooks' worker.
 */
export function createFilingActivities({ tags }: FilingActivityDeps) {
  return {
    // eslint-disable-next-line @typescript-eslint/require-await -- an activity's answer is a promise
    async principalTags(principalKeys: string[]): Promise<string[]> {
      return principalKeys.map((key) => tags.tag(key));
    },
  };
}

export type FilingActivities = ReturnType<typeof createFilingActivities>;
