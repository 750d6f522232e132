/** Facts of fixtures/sandbox.json, for tests and the dev stack. The key file: see keyFileOf. */
const DOMAIN = 'acme.example';
const SCOPE = 'https://www.googleapis.com/auth/';

export const WORKSPACE_SCOPES = {
  user: `${SCOPE}admin.directory.user`,
  userReadonly: `${SCOPE}admin.directory.user.readonly`,
  userSecurity: `${SCOPE}admin.directory.user.security`,
  mail: 'https://mail.google.com/',
  contactsReadonly: `${SCOPE}contacts.readonly`,
  calendarReadonly: `${SCOPE}calendar.readonly`,
} as const;

const MAIL_HELPER = '408765192034-q3k9mailhelper8x2vb.apps.googleusercontent.com';
const SLACK = '720431998215-slackworkspace0k1.apps.googleusercontent.com';

export const WORKSPACE_SANDBOX = {
  domain: DOMAIN,
  customerId: 'C03az79cb',
  /** The token endpoint google-auth-library posts its JWT assertion to (and the assertion's `aud`). */
  googleTokenUrl: 'https://oauth2.googleapis.com/token',
  /** Super administrator: the subject the playbook's service account impersonates (domain-wide delegation). */
  admin: { email: `secops-admin@${DOMAIN}`, id: '104382915720364851902' },
  /** The playbook's own identity, with domain-wide delegation for exactly `delegatedScopes`. Has a key file. */
  serviceAccount: {
    email: 'revoker-workspace@acme-prod.iam.gserviceaccount.com',
    clientId: '104857263910573826401',
    projectNumber: '418273950164',
    keyId: '2d42f58e4f826d191bb10c78e637677da15b3d08',
  },
  delegatedScopes: [WORKSPACE_SCOPES.user, WORKSPACE_SCOPES.userSecurity],
  /** The malicious third-party app holding stolen user tokens. */
  maliciousApp: {
    clientId: MAIL_HELPER,
    displayText: 'Mail Helper Pro',
    scopes: [WORKSPACE_SCOPES.mail, WORKSPACE_SCOPES.contactsReadonly],
  },
  /** A legitimate app that must survive containment. */
  legitimateApp: { clientId: SLACK, displayText: 'Slack', scopes: [WORKSPACE_SCOPES.calendarReadonly] },
  users: {
    admin: { email: `secops-admin@${DOMAIN}`, id: '104382915720364851902', sessions: 1 },
    /** Granted Mail Helper Pro and Slack; two web sessions; alias m.garcia@. */
    maria: {
      email: `maria@${DOMAIN}`,
      id: '113605284917365021847',
      alias: `m.garcia@${DOMAIN}`,
      sessions: 2,
      tokens: { maliciousApp: 'ya29.SANDBOX-mailhelper-maria', legitimateApp: 'ya29.SANDBOX-slack-maria' },
      mailbox: { messagesTotal: 18342, threadsTotal: 9211, historyId: '4417392' },
    },
    /** Granted Mail Helper Pro. */
    li: {
      email: `li@${DOMAIN}`,
      id: '108920475316284093571',
      sessions: 1,
      tokens: { maliciousApp: 'ya29.SANDBOX-mailhelper-li' },
      mailbox: { messagesTotal: 5210, threadsTotal: 3120, historyId: '1288410' },
    },
    /** Granted Slack only. */
    sam: {
      email: `sam@${DOMAIN}`,
      id: '116273048591627384059',
      sessions: 1,
      tokens: { legitimateApp: 'ya29.SANDBOX-slack-sam' },
    },
    /** Granted nothing. */
    ceo: { email: `ceo@${DOMAIN}`, id: '101947263850172639485', sessions: 1 },
  },
} as const;
