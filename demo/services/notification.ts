/** notification-service: records what would be sent, in a bounded log. */
import { status } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { RpcError, unary } from '../lib/rpc-server.ts';
import { BoundedMap } from '../lib/store.ts';
import type { SendRequest, SendResponse } from '../lib/types.ts';

const KINDS = ['welcome', 'order_created', 'payment_completed'];

export function createNotificationService() {
  const sent = new BoundedMap<string, SendRequest>(10_000);
  return {
    Send: unary<SendRequest, SendResponse>(async (request) => {
      if (!KINDS.includes(request.kind)) throw new RpcError(status.INVALID_ARGUMENT, `unknown notification kind ${JSON.stringify(request.kind)}`);
      const id = `ntf-${randomUUID()}`;
      sent.set(id, request);
      return { id };
    }),
  };
}
