// What Google Cloud discovery reads for the triage card (domain/card.ts): the roles a service account holds on its
// project, from the project's allow policy (Resource Manager v3 projects.getIamPolicy). It decides nothing, so a read
// Google refuses becomes a line on the card (`unread`) and discovery goes on; throttling and outages still fail the
// activity, for Temporal to retry it whole.
import type { cloudresourcemanager_v3 } from '@googleapis/cloudresourcemanager';
import { z } from 'zod';
import type { Unread } from '../domain/discovery.js';
import { activityCancellation } from './cancellation.js';
import { PermissionDeniedError } from './errors.js';
import { classifyGcpError } from './gcp-errors.js';

// Version 3, so a conditional binding comes with its condition rather than as `role_withcond_…`.
const Policy = z.object({
  bindings: z
    .array(
      z
        .object({
          role: z.string(),
          members: z.array(z.string()).nullable().optional(),
          condition: z.object({ title: z.string().nullable().optional() }).loose().nullable().optional(),
        })
        .loose(),
    )
    .nullable()
    .optional(),
});

/**
 * The roles `email` holds on the project, directly (not those inherited from folders or the organization, which the
 * project's own policy does not show): a conditional grant with its condition's title.
 */
export async function readProjectRoles(
  resourceManager: cloudresourcemanager_v3.Cloudresourcemanager | undefined,
  projectId: string,
  email: string,
): Promise<{ roles?: string[]; unread: Unread[] }> {
  const what = `roles on project ${projectId}`;
  if (!resourceManager) return { unread: [{ part: 'reach', what, why: 'no Resource Manager client' }] };
  let data: unknown;
  try {
    ({ data } = await resourceManager.projects.getIamPolicy(
      { resource: `projects/${projectId}`, requestBody: { options: { requestedPolicyVersion: 3 } } },
      { signal: activityCancellation() },
    ));
  } catch (error) {
    const known = classifyGcpError(error);
    if (!(known instanceof PermissionDeniedError)) throw known ?? error;
    return { unread: [{ part: 'reach', what, why: 'resourcemanager.projects.getIamPolicy denied' }] };
  }
  const policy = Policy.safeParse(data);
  if (!policy.success)
    return { unread: [{ part: 'reach', what, why: 'Resource Manager answered an unexpected shape' }] };
  const member = `serviceAccount:${email}`.toLowerCase();
  const roles = (policy.data.bindings ?? [])
    .filter((b) => (b.members ?? []).some((m) => m.toLowerCase() === member))
    .map((b) => (b.condition?.title ? `${b.role} (if "${b.condition.title}")` : b.role));
  return { roles: [...new Set(roles)], unread: [] };
}
