// The registry (domain/action.ts) names each kind's act and verify activities as data; workflows/step.ts
// checks the names and arguments against these factories' types. This checks them against what the
// factories really register with the worker, since an activity is found by name at run time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACTION_KINDS, activityCall, type ActionKind, type ActionSpec } from '../domain/action.js';
import { createAwsActivities, singleAccount, type AwsClients } from './aws.js';
import { createEntraActivities, singleTenant, type EntraActivityDeps } from './entra.js';
import { anyProject, createGcpActivities, type GcpActivityDeps } from './gcp.js';
import { createWorkspaceActivities, type WorkspaceDomains } from './workspace.js';
import { createKubernetesActivities, type KubernetesClusters } from './kubernetes.js';

// Never called: only the names the factories return matter here.
const registered = {
  aws: createAwsActivities(singleAccount({} as AwsClients)),
  entra: createEntraActivities(singleTenant({ tenantId: 't' } as EntraActivityDeps)),
  gcp: createGcpActivities(anyProject({ iam: { projects: { serviceAccounts: {} } } } as unknown as GcpActivityDeps)),
  workspace: createWorkspaceActivities({} as WorkspaceDomains),
  kubernetes: createKubernetesActivities({} as KubernetesClusters),
};

describe('action kind wiring', () => {
  it("names, for every kind, an act and a verify activity its provider's worker registers", () => {
    for (const kind of Object.keys(ACTION_KINDS) as ActionKind[]) {
      // Any target will do to learn the names: the argument is not used.
      const spec = { kind, target: {} } as ActionSpec;
      const clock = { at: '2026-11-23T10:00:00Z', undoAt: '2026-11-23T09:00:00Z' };
      for (const phase of ['act', 'verify'] as const) {
        const { provider, activity } = activityCall(spec, phase, clock);
        const fn = (registered[provider] as Record<string, unknown>)[activity];
        assert.equal(typeof fn, 'function', `${kind} ${phase}: ${provider} has no activity ${activity}`);
      }
    }
  });
});
