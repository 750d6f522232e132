/** Names in fixtures/sandbox.json, for tests and the dev stack. Key files: see keyFileOf. */
const PROJECT = 'acme-prod';
const account = (id: string) => `${id}@${PROJECT}.iam.gserviceaccount.com`;
const keyName = (email: string, keyId: string) => `projects/${PROJECT}/serviceAccounts/${email}/keys/${keyId}`;

const RESPONDER = account('revoker-responder');
const ETL = account('etl-runner');
const REPORTING = account('reporting');

export const GCP_SANDBOX = {
  projectId: PROJECT,
  projectNumber: '418273950164',
  /** The playbook's own identity: roles/iam.serviceAccountKeyAdmin + roles/iam.serviceAccountAdmin. Has a key file. */
  responder: {
    email: RESPONDER,
    keyName: keyName(RESPONDER, 'd97605b2a93c035115497dbce9908c294104702f'),
  },
  /** The compromised account: roles/viewer, so its stolen key can still read service accounts and keys. */
  compromised: {
    email: ETL,
    /** The leaked key; has a key file (the attacker's copy). */
    stolenKeyName: keyName(ETL, '7cac08788d76f0e3341df982da12280a04f2ec85'),
    /** A second user-managed key; public half only. */
    otherKeyName: keyName(ETL, '5857336225693df4bbfa55e314ae59ebe86bd92d'),
    /** Google-managed; cannot be disabled or deleted. */
    systemKeyName: keyName(ETL, '82f391b5cebe022731cf82106ce5466d62a8f90f'),
  },
  /** Uninvolved: roles/bigquery.dataViewer only, so no IAM permission at all. Has a key file. */
  bystander: {
    email: REPORTING,
    keyName: keyName(REPORTING, '422f9ab37a7e2bcc1c56d3720e324ca8b121a744'),
  },
} as const;
