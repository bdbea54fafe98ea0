// Type test: every decorator here disagrees with its method and must not compile. Each carries
// `@ts-expect-error`, so the build fails if one starts compiling; decorators.test.js also compiles
// this file without those comments and checks each error is @RpcMethod's, on the expected line.
import { RpcMethod, t } from '@meshlet/core';

const Point = t.object('com.example.Point', { x: t.int32, y: t.int32 });
class PointClass {
  constructor(readonly x: number, readonly y: number) {}
  norm(): number { return Math.hypot(this.x, this.y); }
}

export class Wrong {
  // wrong param type
  // @ts-expect-error
  @RpcMethod({ params: [t.string], returns: t.string }) a(n: number) { return String(n); }

  // int64 is a bigint, not a number
  // @ts-expect-error
  @RpcMethod({ params: [t.int64], returns: t.int64 }) b(n: number) { return BigInt(n); }

  // int32 is a number, not a bigint
  // @ts-expect-error
  @RpcMethod({ params: [t.int32], returns: t.int32 }) c(n: bigint) { return Number(n); }

  // returns int64 but the method returns a number
  // @ts-expect-error
  @RpcMethod({ params: [], returns: t.int64 }) async d(): Promise<number> { return 1; }

  // returns string but the method returns a number
  // @ts-expect-error
  @RpcMethod({ params: [t.int32], returns: t.string }) async e(n: number) { return n; }

  // too few parameters on the method
  // @ts-expect-error
  @RpcMethod({ params: [t.int32, t.int32], returns: t.int32 }) f(a: number) { return a; }

  // too many parameters on the method
  // @ts-expect-error
  @RpcMethod({ params: [t.int32], returns: t.int32 }) g(a: number, b: number) { return a + b; }

  // list element type
  // @ts-expect-error
  @RpcMethod({ params: [t.list(t.int64)] }) h(xs: number[]) { void xs; }

  // a list is not a scalar
  // @ts-expect-error
  @RpcMethod({ params: [t.list(t.string)] }) i(x: string) { void x; }

  // map value type
  // @ts-expect-error
  @RpcMethod({ params: [t.map(t.string, t.int64)] }) j(m: Map<string, number>) { void m; }

  // maps decode to Map, not to a plain object
  // @ts-expect-error
  @RpcMethod({ params: [t.map(t.string, t.string)] }) k(m: Record<string, string>) { void m; }

  // a nullable parameter must accept null
  // @ts-expect-error
  @RpcMethod({ params: [t.nullable(t.int32)] }) l(n: number) { void n; }

  // a non-null result descriptor does not take null
  // @ts-expect-error
  @RpcMethod({ params: [], returns: t.int32 }) m(): number | null { return null; }

  // object field type
  // @ts-expect-error
  @RpcMethod({ params: [Point] }) n(p: { x: number; y: string }) { void p; }

  // a class with methods is not what the decoder produces
  // @ts-expect-error
  @RpcMethod({ params: [Point] }) o(p: PointClass) { void p; }

  // returning a class without a required field
  // @ts-expect-error
  @RpcMethod({ params: [], returns: Point }) p() { return { x: 1 }; }

  // no `returns` means void
  // @ts-expect-error
  @RpcMethod({ params: [t.string] }) async q(s: string) { return s; }

  // oneway methods return nothing
  // @ts-expect-error
  @RpcMethod({ params: [t.string], oneway: true }) r(s: string) { return s.length; }

  // stream methods return an AsyncIterable of the item type
  // @ts-expect-error
  @RpcMethod({ params: [], returns: t.int32, stream: true }) async s() { return 1; }

  // stream item type
  // @ts-expect-error
  @RpcMethod({ params: [], returns: t.int32, stream: true }) async *u() { yield 'x'; }

  // enum constants
  // @ts-expect-error
  @RpcMethod({ params: [], returns: t.enum('com.example.Color', ['RED', 'GREEN']) }) v(): 'RED' | 'BLUE' { return 'BLUE'; }
}
