import { z } from 'zod';
import { Principal } from './principal.js';
import { lazySchema } from './lazy-schema.js';

export const Severity = lazySchema(() => z.enum(['low', 'medium', 'high', 'critical']));
export type Severity = z.infer<typeof Severity>;

/** The normalized alert every source adapter produces; the generic webhook format is exactly this. */
export const Alert = lazySchema(() =>
  z.strictObject({
    source: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9][a-z0-9_.-]*$/i, 'source is a short name such as "splunk" or "sentinel"'),
    id: z.string().min(1).max(256),
    title: z.string().min(1).max(500),
    severity: Severity,
    observedAt: z.iso.datetime({ offset: true }),
    link: z.url({ protocol: /^https?$/ }).optional(),
    principals: z.array(Principal).min(1).max(20),
  }),
);
export type Alert = z.infer<typeof Alert>;
