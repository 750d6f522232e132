import { parseArgs } from 'node:util';
import { closeOnSignals } from '../shared/close-on-signals.js';
import { loadAwsSeed } from './seed.js';
import { DEFAULT_SEED_PATH, MEMBER_SEED_PATHS, startAwsSimulator } from './server.js';

/**
 * node --import tsx simulators/aws/main.ts [--port 9101] [--host 127.0.0.1] [--seed file.json]
 *   [--account member.json ...] [--organisation] [--state-file file.json]
 * --organisation adds the sandbox's member accounts (fixtures/workloads.json, fixtures/legacy.json).
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: DEFAULT_SEED_PATH },
    account: { type: 'string', multiple: true, default: [] },
    organisation: { type: 'boolean', default: false },
    'state-file': { type: 'string' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be an integer 0-65535, got ${values.port}`);
  process.exit(2);
}

const simulator = await startAwsSimulator({
  host: values.host,
  port,
  seed: loadAwsSeed(values.seed),
  accounts: [...(values.organisation ? MEMBER_SEED_PATHS : []), ...values.account].map(loadAwsSeed),
  ...(values['state-file'] === undefined ? {} : { stateFile: values['state-file'] }),
});
console.log(
  `AWS IAM/STS/S3 simulator (accounts ${simulator.accountIds.join(', ')}) listening on ${simulator.endpoint}`,
);
closeOnSignals(simulator);
