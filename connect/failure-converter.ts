import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces can name principals (a cloud's "user alice not found"): they go
 * into the failure's encoded attributes, a payload the codec encrypts, and the plain message reads
 * "Encoded failure". Loaded by the worker, the workflow bundle (`failureConverterPath`: no Node
 * builtins here) and every client.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
