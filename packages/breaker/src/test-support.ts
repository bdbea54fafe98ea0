// Shared by this package's tests only (excluded from the published files).
import { createInvocation, defineService, endpoint, t, type Endpoint, type Invocation, type Invoker } from '@meshlet/core';

export const Orders = defineService({
  interface: 'com.acme.Orders',
  version: '1.0.0',
  methods: { place: { params: [t.string] }, get: { params: [t.string] } },
});

export function call(method: 'place' | 'get' = 'place'): Invocation {
  return createInvocation(Orders, Orders.methods.get(method)!, ['x']);
}

export function ep(host: string, port = 20880): Endpoint {
  return endpoint('dubbo', host, port);
}

export const ok: Invoker = async () => 'ok';

export function failing(error: unknown): Invoker {
  return async () => {
    throw error;
  };
}

/** An invoker whose calls stay pending until the test settles them. */
export function deferred(): { invoker: Invoker; calls: number; resolve(v?: unknown): void; reject(e: unknown): void } {
  const pending: { resolve(v: unknown): void; reject(e: unknown): void }[] = [];
  const d = {
    calls: 0,
    invoker: (() => {
      d.calls++;
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    }) as Invoker,
    resolve: (v?: unknown) => pending.shift()!.resolve(v),
    reject: (e: unknown) => pending.shift()!.reject(e),
  };
  return d;
}
