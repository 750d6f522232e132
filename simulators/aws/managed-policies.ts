import type { SimState } from './state.js';

const allow = (statements: [Action: string | string[], Resource?: string][]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: statements.map(([Action, Resource = '*']) => ({ Effect: 'Allow', Action, Resource })),
  });

/**
 * The AWS managed policies the simulator knows (`arn:aws:iam::aws:policy/…`), each as a short document with the same
 * effect on the services simulated here. They may be attached to users, groups and roles, and passed as managed
 * session policies (`PolicyArns`): attackers mint `GetFederationToken --policy-arns …/AdministratorAccess` because a
 * federation token without a session policy has no permissions.
 */
export const AWS_MANAGED_POLICIES: ReadonlyMap<string, string> = new Map([
  ['arn:aws:iam::aws:policy/AdministratorAccess', allow([['*']])],
  ['arn:aws:iam::aws:policy/AmazonS3FullAccess', allow([[['s3:*', 's3-object-lambda:*']]])],
  [
    'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
    allow([[['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*']]]),
  ],
  [
    'arn:aws:iam::aws:policy/IAMUserChangePassword',
    allow([['iam:ChangePassword', 'arn:aws:iam::*:user/${aws:username}'], ['iam:GetAccountPasswordPolicy']]),
  ],
  [
    'arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy',
    allow([[['iam:GetRole', 'iam:ListRoles', 'iam:GetUser', 'iam:ListUsers', 's3:ListAllMyBuckets']]]),
  ],
]);

/** The name of a managed policy: its ARN's last segment (`arn:aws:iam::aws:policy/service-role/X` is X). */
export const policyNameOf = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

/** A customer managed policy's ARN, as IAM builds it from the account, path and name. */
export const customerPolicyArn = (accountId: string, path: string, name: string): string =>
  `arn:aws:iam::${accountId}:policy${path}${name}`;

/** The document of a managed policy an identity in `state` may have attached: AWS's, or the account's own. */
export function managedPolicyDocument(state: SimState, arn: string): string | undefined {
  return AWS_MANAGED_POLICIES.get(arn) ?? state.managedPolicies.get(arn)?.document;
}
