import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { closeOnSignals } from '../shared/close-on-signals.js';
import { keyFileOf } from './key-file.js';
import { loadWorkspaceSeed } from './seed.js';
import { DEFAULT_SEED_PATH, startWorkspaceSimulator } from './server.js';

/**
 * node --import tsx simulators/workspace/main.ts [--port 9104] [--host 127.0.0.1] [--seed file.json]
 *   [--state-file file.json] [--key-file path.json]
 *
 * --key-file writes the delegated service account's key file (mode 0600), e.g. for the worker's credential; the
 * worker must still redirect https://oauth2.googleapis.com/token to the printed token URL (simulators/workspace/README.md).
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: DEFAULT_SEED_PATH },
    'state-file': { type: 'string' },
    'key-file': { type: 'string' },
  },
});

try {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be 0-65535, got ${values.port}`);
  }
  const seed = loadWorkspaceSeed(values.seed);
  const keyFile = values['key-file'];
  if (keyFile !== undefined) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, `${JSON.stringify(keyFileOf(seed), null, 2)}\n`, { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    console.log(`key file: ${keyFile}`);
  }
  const simulator = await startWorkspaceSimulator({
    host: values.host,
    port,
    seed,
    ...(values['state-file'] === undefined ? {} : { stateFile: values['state-file'] }),
  });
  console.log(
    `Google Workspace simulator (${seed.domain}) listening on ${simulator.rootUrl} (token URL ${simulator.tokenUrl})`,
  );
  closeOnSignals(simulator);
} catch (error) {
  console.error(`workspace simulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
