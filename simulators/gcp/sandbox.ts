/** Names in fixtures/sandbox.json, for tests and the dev stack. Key files: see keyFileOf. */
const PROJECT = 'acme-prod';
const account = (id: string) => `${id}@${PROJECT}.iam.gserviceaccount.com`;
const keyName = (email: string, keyId: string) => `projects/${PROJECT}/serviceAccounts/${email}/keys/${keyId}`;

const RESPONDER = account('revoker-responder');
const ETL = account('etl-runner');
const REPORTING = account('reporting');
const DEPLOYER = account('deployer');

export const GCP_SANDBOX = {
  projectId: PROJECT,
  projectNumber: '418273950164',
  /**
   * The playbook's own identity: roles/iam.serviceAccountKeyAdmin + roles/iam.serviceAccountAdmin (which holds
   * getIamPolicy/setIamPolicy on accounts), roles/logging.viewer + roles/logging.privateLogViewer (the sweep's audit
   * log reads), roles/browser (the project's allow policy, for the triage card). Has a key file.
   */
  responder: {
    email: RESPONDER,
    keyName: keyName(RESPONDER, 'd97605b2a93c035115497dbce9908c294104702f'),
  },
  /**
   * The compromised account: roles/viewer on the project, so its stolen key can still read service accounts and keys
   * (and Admin Activity logs); on its own policy the custom role keyRotator (iam.serviceAccountKeys.create), so it can
   * mint itself a new key (Stratus gcp.persistence.create-service-account-key); and roles/iam.serviceAccountAdmin on
   * the deployer's policy, so it can grant itself the deployer's roles/iam.serviceAccountTokenCreator.
   */
  compromised: {
    email: ETL,
    uniqueId: '113572049186620394718',
    /** The leaked key; has a key file (the attacker's copy). */
    stolenKeyName: keyName(ETL, '7cac08788d76f0e3341df982da12280a04f2ec85'),
    /** A second user-managed key; public half only. */
    otherKeyName: keyName(ETL, '5857336225693df4bbfa55e314ae59ebe86bd92d'),
    /** Google-managed; cannot be disabled or deleted. */
    systemKeyName: keyName(ETL, '82f391b5cebe022731cf82106ce5466d62a8f90f'),
  },
  /**
   * A privileged account (roles/editor on the project) the attacker impersonates: no keys; etl-runner holds
   * roles/iam.serviceAccountAdmin on its policy.
   */
  deployer: {
    email: DEPLOYER,
    uniqueId: '102947361850274619385',
  },
  /** The project custom role that lets etl-runner create keys for itself. */
  keyRotatorRole: `projects/${PROJECT}/roles/keyRotator`,
  /** Uninvolved: roles/bigquery.dataViewer only, so no IAM permission at all. Has a key file. */
  bystander: {
    email: REPORTING,
    keyName: keyName(REPORTING, '422f9ab37a7e2bcc1c56d3720e324ca8b121a744'),
  },
} as const;

/** Names in the sandbox organisation (fixtures/organisation.json, data.json, lab.json); see organisationSeeds. */
const ORGANIZATION = 'organizations/605240158853';
const projectAccount = (project: string, id: string) => `${id}@${project}.iam.gserviceaccount.com`;
const projectKeyName = (project: string, email: string, keyId: string) =>
  `projects/${project}/serviceAccounts/${email}/keys/${keyId}`;
const PIPELINE = projectAccount('acme-data', 'pipeline');
const EXPERIMENT = projectAccount('acme-lab', 'experiment');

export const GCP_ORGANISATION = {
  organization: { name: ORGANIZATION, displayName: 'acme.example' },
  /** The organization's custom role, exactly deploy/gcp/revoker-responder-role.yaml's permissions. */
  responderRole: `${ORGANIZATION}/roles/revokerResponder`,
  /** Under the organization; its policy grants GCP_SANDBOX.responder the responder role. */
  analyticsFolder: { name: 'folders/372819465021', displayName: 'analytics', parent: ORGANIZATION },
  /** acme-prod (GCP_SANDBOX) has no parent in its seed: it sits directly under the organization. */
  prod: { projectId: GCP_SANDBOX.projectId, projectNumber: GCP_SANDBOX.projectNumber, parent: ORGANIZATION },
  /** Under the analytics folder; no project-level grant to the responder: it acts here through the folder. */
  data: {
    projectId: 'acme-data',
    projectNumber: '730164928351',
    parent: 'folders/372819465021',
    /** Compromised: roles/bigquery.dataEditor, nothing on IAM. */
    pipeline: {
      email: PIPELINE,
      uniqueId: '117204863950271648392',
      /** The leaked key; has a key file. */
      stolenKeyName: projectKeyName('acme-data', PIPELINE, 'dddf256a3778a6358b319aa4c9c0da7f0717c7d1'),
      /** A second user-managed key; public half only. */
      otherKeyName: projectKeyName('acme-data', PIPELINE, '36fd083b7cfd9de89929616f0a95f638d3e592c7'),
    },
  },
  /** Directly under the organization, outside the folder: the responder holds nothing here. */
  lab: {
    projectId: 'acme-lab',
    projectNumber: '286401937512',
    parent: ORGANIZATION,
    /** roles/editor in acme-lab only. Has a key file. */
    experiment: {
      email: EXPERIMENT,
      uniqueId: '108395172046613928574',
      keyName: projectKeyName('acme-lab', EXPERIMENT, '22a8cb1c99e4edb16c44215ccd6fbc0989f8e877'),
    },
  },
} as const;
