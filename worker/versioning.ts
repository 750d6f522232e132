import type { WorkerDeploymentOptions } from '@temporalio/worker';
import { z } from 'zod';

/**
 * Worker Versioning (docs/deploy/versioning.md): every worker of a release names its Worker Deployment and its build,
 * and the operator makes a build current with `temporal worker deployment set-current-version`. Playbooks are
 * AUTO_UPGRADE: one waiting days for approval moves to the current build at its next workflow task, so an old build
 * can be stopped as soon as the new one is current. That is safe only because a change to workflow code goes behind
 * `patched()` and the recorded histories in test/histories keep replaying (test/replay.test.ts).
 */
export interface Versioning {
  deploymentName: string;
  buildId: string;
}

// Temporal's own limits: a deployment name and a build id are at most 255 bytes, and the name may not contain '.'
// (the server joins the two as `<deploymentName>.<buildId>`).
const DeploymentName = z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'letters, digits, - and _ (no dots), e.g. revoker');
const BuildId = z
  .string()
  .regex(/^[A-Za-z0-9._+-]{1,255}$/, 'a release or commit id: letters, digits and . _ + -, e.g. 0.3.1 or 8306fc8');

export const VersioningEnv = z
  .object({
    /** The Worker Deployment this worker belongs to: the same for every build of one Revoker installation. */
    REVOKER_DEPLOYMENT_NAME: DeploymentName.optional(),
    /** This build's id in that deployment; a new release has a new one. */
    REVOKER_BUILD_ID: BuildId.optional(),
  })
  .refine((env) => Boolean(env.REVOKER_DEPLOYMENT_NAME) === Boolean(env.REVOKER_BUILD_ID), {
    message:
      'Worker Versioning needs both REVOKER_DEPLOYMENT_NAME and REVOKER_BUILD_ID (docs/deploy/versioning.md); set both, or neither for an unversioned worker',
    path: ['REVOKER_BUILD_ID'],
  });

/** The versioning a worker's environment asks for; undefined: an unversioned worker (the dev stack's default). */
export function versioningFromEnv(env: NodeJS.ProcessEnv): Versioning | undefined {
  const parsed = VersioningEnv.parse(env);
  return parsed.REVOKER_DEPLOYMENT_NAME && parsed.REVOKER_BUILD_ID
    ? { deploymentName: parsed.REVOKER_DEPLOYMENT_NAME, buildId: parsed.REVOKER_BUILD_ID }
    : undefined;
}

/** Worker.create's options for a versioned worker (every queue of the build: the playbooks' and the activities'). */
export function deploymentOptions(versioning: Versioning | undefined): {
  workerDeploymentOptions?: WorkerDeploymentOptions;
} {
  if (!versioning) return {};
  return {
    workerDeploymentOptions: {
      useWorkerVersioning: true,
      version: { deploymentName: versioning.deploymentName, buildId: versioning.buildId },
      defaultVersioningBehavior: 'AUTO_UPGRADE',
    },
  };
}
