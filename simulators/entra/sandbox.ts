/** Names in fixtures/sandbox.json, for tests and the dev stack (sandbox-only secrets). */
export const ENTRA_SANDBOX = {
  tenantId: '26b7f9fa-ece8-4e81-8997-610171802439',
  /** The playbook's own app: User.ReadWrite.All, User.RevokeSessions.All, Application.ReadWrite.All, DelegatedPermissionGrant.ReadWrite.All, AppRoleAssignment.ReadWrite.All, AuditLog.Read.All. */
  responder: {
    appId: '008b55f9-f99e-4fd4-afb2-f850c5e3d4ec',
    servicePrincipalId: '7798296b-5250-4b26-8c26-c03b0265ea5c',
    secret: 'Rsp8Q~SANDBOX.revoker-responder.not-a-real-secret',
  },
  /** The malicious multi-tenant app users consented to. */
  maliciousApp: {
    appId: '7bc8af83-0d73-4bca-a228-a68418ac4812',
    servicePrincipalId: '2fcca71c-f141-48be-a314-c05e62d8144f',
    /** The client secret the attacker holds (registered in this tenant). */
    attackerSecret: 'Msp8Q~SANDBOX.attacker-known-secret.mail-sync-pro',
    /** Held on the application object in the attacker's home tenant: no one here can remove it. */
    homeTenantSecret: 'Msh8Q~SANDBOX.home-tenant-app-secret.not-removable-here',
  },
  /**
   * A CI pipeline's app registration (Application.ReadWrite.All), its secret on the application object stolen:
   * what Stratus's entra-id.persistence.backdoor-application starts from (simulators/entra/stratus.ts).
   */
  compromisedApp: {
    appId: '5d3e8f21-7a4c-4b96-8e0f-9c2a61b4d7e3',
    servicePrincipalId: 'c8f2a6d4-3e71-4b5c-a09d-6e1f7b2c8d45',
    applicationId: 'a41d7c2e-5b93-4f0a-9e6d-2c8b17f3e905',
    stolenSecret: 'Cip8Q~SANDBOX.contoso-ci.stolen-pipeline-secret',
  },
  /** The application the attacker backdoors (User.Read.All). */
  victimApp: {
    appId: 'b9c6e1f4-2a57-4d83-9f1e-4c7b0a2d6e58',
    servicePrincipalId: '3a9f5c7e-8d12-4e6b-a4f0-5b2c9e7d1a36',
    applicationId: '7e4b2d91-c36a-4f85-b2e0-1d9a6c3f5e47',
  },
  /** Read-only app: User.Read.All, Application.Read.All. */
  weakApp: {
    appId: 'ca515cbb-0da7-4831-bff4-1488d28e4f3b',
    secret: 'Hdr8Q~SANDBOX.helpdesk-reader.not-a-real-secret',
  },
  /** The compromised user, and the refresh token the attacker stole. */
  compromisedUser: {
    id: '13b68baa-9857-4027-813a-52c7304c679f',
    userPrincipalName: 'adele@contoso.example',
    stolenRefreshToken: '1.AQsA-SANDBOX-stolen-refresh-token.adele.mail-sync-pro.0001',
  },
  otherUser: { id: 'e73785af-634b-441c-a644-5da76e07abbd', userPrincipalName: 'megan@contoso.example' },
} as const;
