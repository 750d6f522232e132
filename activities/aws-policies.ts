import { z } from 'zod';

/** The inline policy that ends every request of a contained IAM user, sessions included. */
export const USER_DENY_POLICY_NAME = 'RevokerContainment';
/** The console's own name for "Revoke active sessions", so AWS's documentation applies as is. */
export const ROLE_REVOKE_POLICY_NAME = 'AWSRevokeOlderSessions';

export function denyAllPolicy() {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'RevokerDenyAll', Effect: 'Deny', Action: '*', Resource: '*' }],
  };
}

// Same shape the IAM console attaches ("Revoking IAM role temporary security credentials").
export function revokeOlderSessionsPolicy(issuedBefore: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Action: ['*'],
        Resource: ['*'],
        Condition: { DateLessThan: { 'aws:TokenIssueTime': issuedBefore } },
      },
    ],
  };
}

const oneOrMany = z.union([z.string(), z.array(z.string())]);
const Statement = z.looseObject({
  Effect: z.string(),
  Action: oneOrMany.optional(),
  Resource: oneOrMany.optional(),
  Condition: z.record(z.string(), z.record(z.string(), oneOrMany)).optional(),
});
const PolicyDocument = z.looseObject({ Statement: z.union([Statement, z.array(Statement)]) });

function statements(document: unknown): z.infer<typeof Statement>[] {
  const parsed = PolicyDocument.safeParse(document);
  if (!parsed.success) return [];
  const { Statement: found } = parsed.data;
  return Array.isArray(found) ? found : [found];
}

const list = (value: string | string[] | undefined) => (value === undefined ? [] : [value].flat());

export function isDenyAllPolicy(document: unknown): boolean {
  return statements(document).some(
    (s) => s.Effect === 'Deny' && !s.Condition && list(s.Action).includes('*') && list(s.Resource).includes('*'),
  );
}

/** The latest `aws:TokenIssueTime` cut-off a revocation policy sets, or undefined. */
export function revokedBefore(document: unknown): string | undefined {
  const times = statements(document)
    .filter((s) => s.Effect === 'Deny' && list(s.Action).includes('*'))
    .flatMap((s) => list(s.Condition?.DateLessThan?.['aws:TokenIssueTime']))
    .map((time) => new Date(time))
    .filter((date) => !Number.isNaN(date.getTime()))
    .sort((a, b) => b.getTime() - a.getTime());
  return times[0]?.toISOString();
}
