import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The one way a handler refuses a request: the app's error handler turns it into a JSON body
 * `{ error, ...details }` with this status and these headers.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly options: { headers?: Record<string, string>; details?: Record<string, unknown> } = {},
  ) {
    super(message);
  }
}
