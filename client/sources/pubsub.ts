import { z } from 'zod';

/**
 * Pub/Sub's `data` is the published message as base64 JSON text (standard or URL-safe alphabet, padded or not, as
 * protobuf's JSON mapping of bytes allows); a wrong one is refused with paths under `message.data`.
 */
function base64Json<S extends z.ZodType>(schema: S, what: string) {
  return z
    .string()
    .transform((text, ctx): unknown => {
      if (text === '') {
        ctx.addIssue({ code: 'custom', message: `empty: the message carries no ${what}` });
        return z.NEVER;
      }
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
        ctx.addIssue({ code: 'custom', message: 'not base64: Pub/Sub push delivers the message data base64-encoded' });
        return z.NEVER;
      }
      try {
        const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
        return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `the decoded data is not JSON: ${(error as Error).message}` });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/**
 * A Pub/Sub push subscription's body (https://cloud.google.com/pubsub/docs/push#receive_push) carrying `schema`, or
 * the bare message a subscription with payload unwrapping (`--push-no-wrapper`) sends. `at` is where the message
 * sits, for field names.
 */
export function pubSubPush<S extends z.ZodType>(schema: S, what: string) {
  const PushRequest = z.object({
    message: z.object({ data: base64Json(schema, what) }),
    subscription: z.string().min(1),
  });
  return z.union([
    PushRequest.transform((push) => ({
      notification: (push.message as { data: unknown }).data as z.output<S>,
      at: 'message.data.',
    })),
    schema.transform((notification) => ({ notification: notification, at: '' })),
  ]);
}
