import { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { temporalConnectConfig } from '../client/temporal-connection.js';
import { createAwsClients } from './aws-clients.js';
import { ALL_QUEUES, createWorkers, type QueueName } from './create-workers.js';
import { createLogger, installRuntimeLogger } from './logger.js';

const Env = z.object({
  REVOKER_QUEUES: z
    .string()
    .default(ALL_QUEUES.join(','))
    .transform((text) => text.split(',').map((q) => q.trim()))
    .pipe(z.array(z.enum(ALL_QUEUES as [QueueName, ...QueueName[]])).min(1)),
  REVOKER_AWS_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().default('us-east-1'),
});

const logger = createLogger('revoker-worker');

async function main(): Promise<void> {
  const env = Env.parse(process.env);
  installRuntimeLogger(logger);
  const { connectionOptions, namespace } = temporalConnectConfig();
  const connection = await NativeConnection.connect(connectionOptions);
  const workers = await createWorkers({
    connection,
    namespace,
    queues: env.REVOKER_QUEUES,
    ...(env.REVOKER_QUEUES.includes('aws')
      ? { aws: createAwsClients({ endpoint: env.REVOKER_AWS_ENDPOINT, region: env.AWS_REGION }) }
      : {}),
  });
  logger.info({ address: connectionOptions.address, namespace, queues: env.REVOKER_QUEUES }, 'worker ready');
  // Worker.run() handles SIGINT/SIGTERM itself: it stops polling and lets running tasks finish.
  await Promise.all(workers.map((worker) => worker.run()));
  await connection.close();
}

main().catch((error: unknown) => {
  logger.error(
    error instanceof z.ZodError ? { issues: error.issues } : { err: error },
    'worker failed to start: check the TEMPORAL_* and REVOKER_* environment variables',
  );
  process.exit(1);
});
