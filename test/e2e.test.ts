// Every end-to-end suite in one process, so the run shares one Temporal dev server, one workflow
// bundle, one set of workers and one simulator (starting them costs seconds; tests cost milliseconds).
import { after } from 'node:test';
import { harness } from './harness.js';
import './e2e/aws-containment.suite.js';
import './e2e/attacker-sessions.suite.js';
import './e2e/history-secrets.suite.js';
import './e2e/encrypted-history.suite.js';
import './e2e/intake.suite.js';
import './e2e/clients.suite.js';
import './e2e/gcp-containment.suite.js';
import './e2e/workspace.suite.js';
import './e2e/kubernetes.suite.js';
import './e2e/entra-containment.suite.js';
import './e2e/mixed-cloud.suite.js';
import './e2e/faults.suite.js';
import './e2e/ui-approval.suite.js';
import './e2e/ui-details.suite.js';
import './e2e/responder-path.suite.js';
import './e2e/notifications.suite.js';
import './e2e/approval-links.suite.js';
import './e2e/approver-identity.suite.js';
import './e2e/release.suite.js';
import './e2e/alert-storm.suite.js';
import './e2e/dry-run.suite.js';
import './e2e/doctor.suite.js';
import './e2e/cli-dry-run.suite.js';
import './e2e/hostile-messages.suite.js';
import './e2e/overlapping-incidents.suite.js';
import './e2e/long-incidents.suite.js';
import './e2e/intake-states.suite.js';
import './e2e/sweep-aws.suite.js';
import './e2e/sweep-gcp.suite.js';
import './e2e/sweep-entra.suite.js';

after(async () => {
  await (await harness()).close();
});
