import type { Payload, PayloadCodec } from '@temporalio/common';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { createHash, timingSafeEqual } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { HttpError } from './http-error.js';

/**
 * Who may call the codec endpoint. `bearerTokens`: `Authorization: Bearer <token>` (the Temporal CLI's
 * `--codec-auth`, or the Web UI forwarding a token it was given). `'loopback-only'`: no token, for the
 * sandbox's Web UI, which has no login and sends none; accepted only from a loopback peer.
 */
export type CodecAuth = { bearerTokens: string[] } | 'loopback-only';

export interface CodecRoutesDeps {
  codec: PayloadCodec;
  auth: CodecAuth;
  /** Origins of the Temporal Web UI allowed to call from a browser (CORS), e.g. http://localhost:8233. */
  uiOrigins: string[];
  /** The namespace whose keys this codec holds: a request naming another (`X-Namespace`) is refused. */
  namespace: string;
  /** The peer's address, for `'loopback-only'`; by default the node server's socket. */
  remoteAddress?: (c: Context) => string | undefined;
  logger?: Logger;
}

/** A page of the UI decodes its payloads in batches well under this. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_PAYLOADS = 10_000;

/** The Temporal codec server protocol's JSON form of a Payload: base64 metadata values and data. */
const JsonPayload = z.object({
  metadata: z.record(z.string(), z.string().max(1_024)).optional(),
  data: z.string().optional(),
});
type JsonPayload = z.infer<typeof JsonPayload>;
const CodecRequest = z.object({ payloads: z.array(JsonPayload).max(MAX_PAYLOADS) });

/**
 * `POST /codec/encode` and `POST /codec/decode`, the Temporal codec server protocol
 * (https://docs.temporal.io/production-deployment/data-encryption), so the Web UI and
 * `temporal --codec-endpoint` show decrypted payloads. CORS lets the UI's origin call it, preflight
 * included; the credential is checked before the body is read.
 */
export function createCodecRoutes(deps: CodecRoutesDeps): Hono {
  const logger = deps.logger ?? pino({ level: 'silent' });
  const app = new Hono();
  app.use(
    '*',
    cors({
      origin: deps.uiOrigins,
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'X-Namespace', 'Authorization'],
      // The UI sends cookies or its access token with `includeCredentials` / `passAccessToken`.
      credentials: true,
      maxAge: 600,
    }),
  );
  const guard = (c: Context) => {
    const refusal = authorize(deps, c);
    if (refusal) {
      logger.warn({ reason: refusal }, 'refused a codec request');
      throw new HttpError(401, `not authenticated: ${refusal}`, { headers: { 'WWW-Authenticate': 'Bearer' } });
    }
    const namespace = c.req.header('x-namespace');
    if (namespace !== undefined && namespace !== deps.namespace) {
      throw new HttpError(
        403,
        `this codec holds the keys of namespace ${deps.namespace}, not ${namespace.slice(0, 100)}`,
      );
    }
  };
  for (const operation of ['encode', 'decode'] as const) {
    app.post(
      `/${operation}`,
      (c, next) => {
        guard(c);
        return next();
      },
      bodyLimit({
        maxSize: MAX_BODY_BYTES,
        onError: () => {
          throw new HttpError(413, `the body is larger than the ${MAX_BODY_BYTES}-byte limit`);
        },
      }),
      async (c) => {
        let body: unknown;
        try {
          body = await c.req.json();
        } catch {
          throw new HttpError(400, 'the body is not JSON: send {"payloads": [...]}');
        }
        const parsed = CodecRequest.safeParse(body);
        if (!parsed.success) throw new HttpError(400, 'send {"payloads": [{"metadata": {...}, "data": "<base64>"}]}');
        const payloads = parsed.data.payloads.map(fromJson);
        if (operation === 'encode') return c.json({ payloads: (await deps.codec.encode(payloads)).map(toJson) });
        // One payload the keys cannot open (an unknown key id, an altered one) stays as it is: the rest still read.
        const decoded = await Promise.all(
          payloads.map(async (payload) => {
            try {
              return (await deps.codec.decode([payload]))[0] ?? payload;
            } catch (error) {
              logger.warn({ reason: (error as Error).message }, 'a payload did not decode');
              return payload;
            }
          }),
        );
        return c.json({ payloads: decoded.map(toJson) });
      },
    );
  }
  return app;
}

function authorize(deps: CodecRoutesDeps, c: Context): string | undefined {
  if (deps.auth === 'loopback-only') {
    const peer = (deps.remoteAddress ?? socketAddress)(c);
    return peer && isLoopback(peer) ? undefined : 'this codec endpoint answers loopback callers only';
  }
  const presented = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  if (!presented) return 'send Authorization: Bearer <codec token>';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const given = digest(presented);
  // Every token compared, in constant time, whichever matches.
  const matched = deps.auth.bearerTokens.reduce((hit, token) => timingSafeEqual(digest(token), given) || hit, false);
  return matched ? undefined : 'the codec token is not one this server accepts';
}

function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // Not served by @hono/node-server: no peer to trust.
    return undefined;
  }
}

export function isLoopback(address: string): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}
