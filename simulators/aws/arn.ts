/** ARN builders for the single simulated account; IAM ARNs embed the entity path, STS session ARNs never do. */
export function userArn(accountId: string, path: string, userName: string): string {
  return `arn:aws:iam::${accountId}:user${path}${userName}`;
}

export function roleArn(accountId: string, path: string, roleName: string): string {
  return `arn:aws:iam::${accountId}:role${path}${roleName}`;
}

export function groupArn(accountId: string, path: string, groupName: string): string {
  return `arn:aws:iam::${accountId}:group${path}${groupName}`;
}

export function federatedUserArn(accountId: string, name: string): string {
  return `arn:aws:sts::${accountId}:federated-user/${name}`;
}

export function assumedRoleArn(accountId: string, roleName: string, sessionName: string): string {
  return `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;
}

export function accountRootArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:root`;
}

/**
 * IAM's modern AccessDenied text names user and role resources as "user alice" / "role deploy"
 * rather than by ARN (e.g. "... iam:GetUser on resource: user alice because ..."); other resources keep the ARN.
 */
export function resourceLabel(arn: string): string {
  const match = /^arn:aws:iam::\d{12}:(user|role|group)\/(?:.*\/)?([^/]+)$/.exec(arn);
  return match ? `${match[1]} ${match[2]}` : arn;
}

/** Splits `arn:aws:iam::123456789012:role/path/name` into account and role name. */
export function parseRoleArn(arn: string): { accountId: string; roleName: string } | undefined {
  const match = /^arn:aws:iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]+)$/.exec(arn);
  return match?.[1] && match[2] ? { accountId: match[1], roleName: match[2] } : undefined;
}
