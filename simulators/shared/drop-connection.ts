import type { HttpBindings } from '@hono/node-server';

/**
 * A lost reply: the change has committed, and the connection is reset instead of answered, as when a load
 * balancer or the network drops it. The client sees ECONNRESET / "socket hang up" and cannot tell whether the
 * call landed.
 */
export function dropConnection(env: HttpBindings): Response {
  env.incoming.socket.destroy();
  // Never written: the socket is gone. Hono still wants a Response to finish the handler.
  return new Response(null, { status: 500 });
}
