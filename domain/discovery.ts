/** What a provider's read-only discovery saw of a principal: the "discovered state" planning works from. */
export interface AwsAccessKeyState {
  accessKeyId: string;
  status: 'Active' | 'Inactive';
  createDate?: string;
}

export interface AwsUserDiscovery {
  type: 'aws.user';
  accountId: string;
  userName: string;
  accessKeys: AwsAccessKeyState[];
  /** Set when the alert named one access key: only that key is contained. */
  focusAccessKeyId?: string;
}

export interface AwsRoleDiscovery {
  type: 'aws.role';
  accountId: string;
  roleName: string;
  /** Service-linked roles refuse inline policies, so their sessions cannot be revoked this way. */
  serviceLinked: boolean;
}

export interface EntraUserDiscovery {
  type: 'entra.user';
  tenantId: string;
  userId: string;
  userPrincipalName: string;
  accountEnabled: boolean;
}

export interface EntraServicePrincipalDiscovery {
  type: 'entra.servicePrincipal';
  tenantId: string;
  servicePrincipalId: string;
  appId: string;
  displayName: string;
  accountEnabled: boolean;
  passwordKeyIds: string[];
  certificateKeyIds: string[];
  grantIds: string[];
  appRoleAssignmentIds: string[];
}

export interface GcpServiceAccountDiscovery {
  type: 'gcp.serviceAccount';
  projectId: string;
  email: string;
  disabled: boolean;
  /** User-managed keys only: Google-managed ones cannot be disabled or deleted. */
  keys: { name: string; disabled: boolean }[];
  /** Set when the alert named one key: only that key is disabled and deleted. */
  focusKeyName?: string;
}

export type Discovery =
  | AwsUserDiscovery
  | AwsRoleDiscovery
  | EntraUserDiscovery
  | EntraServicePrincipalDiscovery
  | GcpServiceAccountDiscovery;
