import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';

/** What `revoker doctor` found for one account, tenant or project, from the worker that would act there. */
export const AccessCheck = lazySchema(() =>
  z.object({
    cloud: z.enum(['aws', 'entra', 'gcp', 'workspace', 'kubernetes']),
    id: z.string(),
    name: z.string().optional(),
    /** Revoker reached it: credentials for it were obtained and a read-only call answered. */
    reachable: z.boolean(),
    /** Who Revoker is there (the assumed role's ARN, the app, the service account), when known. */
    identity: z.string().optional(),
    /** Permissions the responder lacks there, each as `permission: what it is for`. */
    missing: z.array(z.string()),
    /** Permissions that could not be checked without touching a real principal. */
    unchecked: z.array(z.string()).default([]),
    /** Why it is unreachable, or what else to fix. */
    problem: z.string().optional(),
  }),
);
export type AccessCheck = z.infer<typeof AccessCheck>;

export const DoctorReport = lazySchema(() =>
  z.object({
    checkedAt: z.string(),
    checks: z.array(AccessCheck),
    /** Clouds no worker answered for (nobody polls their queue), with why. */
    unanswered: z.array(
      z.object({ cloud: z.enum(['aws', 'entra', 'gcp', 'workspace', 'kubernetes']), problem: z.string() }),
    ),
  }),
);
export type DoctorReport = z.infer<typeof DoctorReport>;

/** Ready when every listed entry is reachable with nothing missing, and every cloud's worker answered. */
export const doctorHealthy = (report: DoctorReport) =>
  report.unanswered.length === 0 && report.checks.every((c) => c.reachable && c.missing.length === 0);

/** An account, tenant or project a worker may act in, as its topology lists it. */
export interface ListedTarget {
  id: string;
  name?: string | undefined;
}
