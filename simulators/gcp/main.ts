import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { closeOnSignals } from '../shared/close-on-signals.js';
import { keyFileOf } from './key-file.js';
import { loadGcpSeed } from './seed.js';
import { DEFAULT_SEED_PATH, startGcpSimulator } from './server.js';

/**
 * node --import tsx simulators/gcp/main.ts [--port 9103] [--host 127.0.0.1] [--seed file.json]
 *   [--state-file file.json] [--key-files-dir dir]
 *
 * --key-files-dir writes the key file of every seeded key that has a private key, as <keyId>.json (mode 0600),
 * e.g. for the worker's GOOGLE_APPLICATION_CREDENTIALS.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: DEFAULT_SEED_PATH },
    'state-file': { type: 'string' },
    'key-files-dir': { type: 'string' },
  },
});

try {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535, got ${values.port}`);
  const seed = loadGcpSeed(values.seed);
  const dir = values['key-files-dir'];
  if (dir !== undefined) {
    mkdirSync(dir, { recursive: true });
    for (const account of seed.serviceAccounts) {
      for (const key of account.keys.filter((k) => k.privateKey !== undefined)) {
        const path = join(dir, `${key.keyId}.json`);
        writeFileSync(path, `${JSON.stringify(keyFileOf(seed, key.keyId), null, 2)}\n`, { mode: 0o600 });
        chmodSync(path, 0o600);
        console.log(`key file for ${account.email}: ${path}`);
      }
    }
  }
  const simulator = await startGcpSimulator({
    host: values.host,
    port,
    seed,
    ...(values['state-file'] === undefined ? {} : { stateFile: values['state-file'] }),
  });
  console.log(`Google Cloud IAM simulator (project ${simulator.projectId}) listening on ${simulator.rootUrl}`);
  closeOnSignals(simulator);
} catch (error) {
  console.error(`gcp simulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
