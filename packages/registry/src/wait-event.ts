import type { EventEmitter } from 'node:events';
import { Code, RpcError } from '@meshlet/core';

/**
 * Resolves on the emitter's next `event` (a registry client becoming usable); after `timeoutMs`
 * stops listening and rejects with UNAVAILABLE `message`, so register/subscribe never hang on an
 * unreachable server.
 */
export function nextEvent(emitter: EventEmitter, event: string, timeoutMs: number, message: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onEvent = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      reject(new RpcError(Code.Unavailable, message));
    }, timeoutMs);
    emitter.once(event, onEvent);
  });
}
