// Type test: real-world decorated signatures that must keep compiling, in both decorator modes
// (this file is in tsconfig.standard.json and tsconfig.legacy.json; the build fails if it does not).
import { RpcMethod, RpcService, t, type MethodSpec } from '@meshlet/core';

// The README / quickstart contract.
export const Greeting = t.object('org.apache.dubbo.demo.Greeting', { to: t.string, text: t.string, count: t.int64 });

@RpcService({ interface: 'org.apache.dubbo.demo.DemoService', version: '1.0.0', protocol: 'dubbo' })
export class DemoService {
  @RpcMethod({ params: [t.string], returns: t.string })
  async sayHello(name: string): Promise<string> {
    return `Hello ${name}`;
  }

  @RpcMethod({ params: [t.string, t.int64], returns: Greeting })
  async greet(to: string, count: bigint): Promise<{ to: string; text: string; count: bigint }> {
    return { to, text: 'hi', count };
  }
}

// The conformance service (examples/conformance/service.js) as a decorated class.
const User = t.object('com.meshlet.conformance.User', {
  id: t.int64, name: t.string, tags: t.list(t.string), attrs: t.map(t.string, t.string), active: t.bool, score: t.float64,
});
interface UserDto { id: bigint; name: string; tags: string[]; attrs: Map<string, string>; active: boolean; score: number }

@RpcService({ interface: 'com.meshlet.conformance.EchoService', version: '1.0' })
export class EchoService {
  @RpcMethod({ params: [t.string], returns: t.string }) echo(s: string): string { return s; }
  @RpcMethod({ params: [t.int32, t.int32], returns: t.int32 }) addInt(a: number, b: number): number { return (a + b) | 0; }
  @RpcMethod({ params: [t.int64, t.int64], returns: t.int64 }) async addLong(a: bigint, b: bigint) { return BigInt.asIntN(64, a + b); }
  @RpcMethod({ params: [t.float64, t.float64], returns: t.float64 }) mulDouble(a: number, b: number) { return a * b; }
  @RpcMethod({ params: [t.bool], returns: t.bool }) negate(b: boolean) { return !b; }
  // A Buffer is a Uint8Array: fine to return where bytes are expected.
  @RpcMethod({ params: [t.bytes], returns: t.bytes }) reverseBytes(b: Uint8Array): Buffer { return Buffer.from(b).reverse(); }
  @RpcMethod({ params: [t.list(t.string)], returns: t.list(t.string) }) reverseList(l: string[]) { return [...l].reverse(); }
  // Maps decode to a Map; a result may be a Map or a plain string-keyed object.
  @RpcMethod({ params: [t.map(t.string, t.string)], returns: t.map(t.string, t.string) })
  swapMap(m: Map<string, string>): Record<string, string> { return Object.fromEntries([...m].map(([k, v]) => [v, k])); }
  @RpcMethod({ params: [User], returns: User }) async echoUser(u: UserDto): Promise<UserDto> { return u; }
  @RpcMethod({ params: [t.nullable(t.string)], returns: t.nullable(t.string) }) nullable(s: string | null) { return s; }
  @RpcMethod({ params: [t.string], returns: t.void }) fail(message: string): void { throw new Error(message); }
  @RpcMethod({ params: [t.int32], returns: t.string })
  sleep(ms: number): Promise<string> { return new Promise((resolve) => setTimeout(() => resolve('slept'), ms)); }
}

// The fleet service (test/fleet/meshlet/fleet-service.js) as a decorated class.
const Address = t.object('com.meshlet.fleet.Address', { city: t.string, zip: t.string });
const Customer = t.object('com.meshlet.fleet.Customer', { name: t.string, address: Address });
const Line = t.object('com.meshlet.fleet.Line', { sku: t.string, qty: t.int32, price: t.decimal });
const Status = t.enum('com.meshlet.fleet.Status', ['NEW', 'PAID', 'SHIPPED']);
const Order = t.object('com.meshlet.fleet.Order', {
  id: t.int64, customer: Customer, lines: t.list(Line), status: Status, createdAt: t.date, total: t.decimal,
  labels: t.set(t.string), blob: t.bytes, parent: t.nullable(t.int64),
});
type OrderDto = typeof Order extends { __decoded?: infer O } ? Exclude<O, undefined> : never;

@RpcService({ interface: 'com.meshlet.fleet.FleetService', version: '1.0' })
export class FleetService {
  @RpcMethod({ params: [Order], returns: Order }) echoOrder(o: OrderDto) { return o; }
  @RpcMethod({ name: 'describe', params: [t.int32], returns: t.string }) describeInt(x: number) { return `int:${x}`; }
  @RpcMethod({ name: 'describe', params: [t.int64], returns: t.string }) describeLong(x: bigint) { return `long:${x}`; }
  // A wider parameter is fine: a provider may accept more than the wire brings.
  @RpcMethod({ name: 'describe', params: [t.string], returns: t.string }) describeString(s: string | null) { return `string:${s}`; }
  @RpcMethod({ params: [t.string], returns: t.nullable(t.string) }) attachment(key: string): string | null { return key || null; }
  @RpcMethod({ params: [t.string] }) async raise(message: string): Promise<void> { throw new Error(message); }
  @RpcMethod({ params: [t.int32], returns: t.bytes }) blob(size: number) { return new Uint8Array(size); }
  @RpcMethod({ params: [t.bytes], returns: t.int32 }) sizeOf(b: Uint8Array) { return b.length; }
  // A narrower result is fine: a literal union fits an enum descriptor.
  @RpcMethod({ params: [], returns: Status }) status(): 'NEW' | 'PAID' { return 'NEW'; }
  @RpcMethod({ params: [t.string], oneway: true }) notify(_event: string): void {}
  @RpcMethod({ params: [t.any], returns: t.any }) passThrough(x: unknown): unknown { return x; }
  @RpcMethod({ params: [t.int32], returns: t.int32, stream: true })
  async *countdown(from: number): AsyncGenerator<number> { for (let i = from; i > 0; i--) yield i; }
  // An optional trailing parameter can still take every argument the wire brings.
  @RpcMethod({ params: [t.string, t.int32], returns: t.string }) pad(s: string, width?: number) { return s.padStart(width ?? 0); }
}

// A spec built at run time (typed `MethodSpec`, not a literal) cannot be checked, and is not refused.
const dynamicSpec: MethodSpec = { params: [t.string], returns: t.string };
@RpcService({ interface: 'com.meshlet.test.Dynamic' })
export class Dynamic {
  @RpcMethod(dynamicSpec) hello(name: string) { return name; }
}
