// Every process logs JSON lines through pino (a log shipper reads them; the dev stack prints them pretty), with the
// fields a secret travels in blanked by pino's redact, as a second line of defence: the code logs no secret, and a
// field logged by mistake under one of these names shows `[redacted]`. docs/deploy/operations.md lists them.
import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty as pinoPretty } from 'pino-pretty';

/**
 * Field names that hold credentials somewhere in Revoker or its SDKs: HTTP headers (Authorization, cookies), bearer
 * and link tokens and their secrets, OAuth client secrets, AWS secret keys and session tokens, private keys (a
 * Google key file's private_key), API keys, the payload encryption keys and a chat webhook URL.
 */
export const SECRET_FIELDS = [
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'x-api-key',
  'token',
  'tokens',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'id_token',
  'bearerToken',
  'bearerTokens',
  'botToken',
  'linkToken',
  'secret',
  'secrets',
  'linkSecrets',
  'hmacSecrets',
  'clientSecret',
  'client_secret',
  'password',
  'apiKey',
  'api_key',
  'secretAccessKey',
  'SecretAccessKey',
  'sessionToken',
  'SessionToken',
  'privateKey',
  'private_key',
  'payloadKeys',
  'notifyUrl',
];

/** The redact paths: each field at the top of a log line, one level down, and in logged request/response headers. */
export const REDACT_PATHS = SECRET_FIELDS.flatMap((field) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
  const at = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
  return [key, at('*'), at('*.headers'), at('req.headers'), at('res.headers')];
});

/**
 * A process's logger at LOG_LEVEL (default info), secrets' fields redacted: JSON lines on stdout, or read pretty when
 * stdout is a terminal (a person running `node worker/main.ts` by hand; a container's stdout is not one).
 */
export function createLogger(
  name: string,
  destination?: DestinationStream,
  { pretty = !destination && process.stdout.isTTY }: { pretty?: boolean } = {},
): Logger {
  const options = {
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (pretty) return pino(options, pinoPretty({ colorize: !destination, destination: destination ?? 1, sync: true }));
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Node's process warnings (a deprecation, the AWS SDK's notice about the Node version) as log lines of this logger,
 * instead of Node's multi-line text on stderr, so the process's output stays one JSON stream.
 */
export function logProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    logger.warn({ warning: { name: warning.name, message: warning.message } }, 'process warning');
  });
}
