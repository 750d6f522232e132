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

export type Discovery = AwsUserDiscovery | AwsRoleDiscovery;
