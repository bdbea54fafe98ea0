import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  Code, RpcError, createInvocation, defineService, endpoint, t,
  type ExportedMethod, type ServerHandler, type ServiceKey,
} from '@meshlet/core';
import { DubboClient } from './client.js';
import { DubboServer } from './server.js';

// The server reads a request's group before it resolves the method (the group travels in the
// attachments, after the arguments), and resolves each distinct request head once.

const Plain = defineService({ interface: 'org.apache.dubbo.demo.DemoService', methods: { sayHello: { params: [t.string], returns: t.string } } });
const Blue = defineService({ interface: Plain.interface, group: 'blue', version: '2.0', methods: { sayHello: { params: [t.string], returns: t.string } } });
const Red = defineService({ interface: Plain.interface, group: 'red', methods: { sayHello: { params: [t.string], returns: t.string } } });

/** A handler that exports Plain (no group) and Blue, and records every lookup it is asked for. */
class CountingHandler implements ServerHandler {
  readonly lookups: ServiceKey[] = [];
  readonly refusals: ServiceKey[] = [];

  resolve(service: ServiceKey, method: string): ExportedMethod {
    this.lookups.push(service);
    const def = service.interface !== Plain.interface ? undefined
      : service.group === 'blue' && service.version === '2.0' ? Blue
        : service.group === undefined && service.version === undefined ? Plain : undefined;
    if (def === undefined) throw new RpcError(Code.ServiceNotFound, `Not found exported service: ${service.group ?? ''}/${service.interface}:${service.version ?? ''}`);
    const m = def.methods.get(method);
    if (m === undefined) throw new RpcError(Code.MethodNotFound, `no method ${method}`);
    return { service: def, method: m, invoke: (inv) => Promise.resolve(`${def.group ?? 'plain'} ${String(inv.args[0])}`) };
  }

  refused(service: ServiceKey): void {
    this.refusals.push(service);
  }
}

let handler: CountingHandler;
let server: DubboServer;
let client: DubboClient;

before(async () => {
  handler = new CountingHandler();
  server = new DubboServer(handler, { host: '127.0.0.1', port: 0 });
  const { port } = await server.listen();
  client = new DubboClient(endpoint('dubbo', '127.0.0.1', port));
});
after(async () => {
  await client.close();
  await server.close(0);
});

function call(service: typeof Plain, name: string): Promise<unknown> {
  return client.invoke(createInvocation(service, service.methods.get('sayHello')!, [name]));
}

test('a grouped service is resolved once, with its group, and found again without a lookup', async () => {
  handler.lookups.length = 0;
  for (let i = 0; i < 5; i++) assert.equal(await call(Blue, `b${i}`), `blue b${i}`);
  assert.deepEqual(handler.lookups, [{ interface: Plain.interface, version: '2.0', group: 'blue' }]);
});

test('requests with and without a group reach their own service, each head resolved once', async () => {
  handler.lookups.length = 0;
  for (let i = 0; i < 3; i++) {
    assert.equal(await call(Plain, `p${i}`), `plain p${i}`);
    assert.equal(await call(Blue, `b${i}`), `blue b${i}`);
  }
  // Blue was found by the previous test; Plain is looked up once.
  assert.deepEqual(handler.lookups, [{ interface: Plain.interface, version: undefined, group: undefined }]);
});

test('a group no service is exported under reaches the service exported without a group; a refusal is reported once', async () => {
  handler.lookups.length = 0;
  handler.refusals.length = 0;
  for (let i = 0; i < 3; i++) assert.equal(await call(Red, `r${i}`), `plain r${i}`);
  assert.deepEqual(handler.lookups.map((k) => k.group), ['red', undefined]);
  assert.deepEqual(handler.refusals, []);
  const Missing = defineService({ interface: 'com.example.Missing', group: 'g', methods: { sayHello: { params: [t.string], returns: t.string } } });
  await assert.rejects(call(Missing, 'x'), (e: unknown) => RpcError.is(e, Code.ServiceNotFound) && /g\/com\.example\.Missing/.test(e.message));
  assert.deepEqual(handler.refusals, [{ interface: 'com.example.Missing', version: undefined, group: 'g' }]);
});
