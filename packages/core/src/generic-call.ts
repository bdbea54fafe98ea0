// The generic call's shapes (no definition at hand, Java type names): the protocol SPI's
// genericCall hook takes and returns these, so they sit with the model; generic/ builds on them.
import type { MethodSpec } from './service.js';
import type { TypeDesc } from './types.js';

/** A generic call as the caller made it: no definition, only a method name, Java types and args. */
export interface GenericCall {
  readonly method: string;
  /** The Java parameter types as given (`long`, `java.lang.String`, `com.acme.User`). */
  readonly paramTypes: readonly string[];
  /** Their descriptors (`typeOfJavaName`). */
  readonly params: readonly TypeDesc[];
  /** Plain JS arguments: POJOs as `{ class, ...fields }`, longs as bigints or integral numbers. */
  readonly args: readonly unknown[];
}

/** What actually goes on the wire for a generic call: one method of a one-method definition. */
export interface GenericWireCall {
  /** The method to call (its `name` is the wire name, e.g. Dubbo's `$invoke`). */
  readonly method: MethodSpec & { readonly name: string };
  /** Arguments in the serializers' form (see `toWire`). */
  readonly args: readonly unknown[];
  /** Attachments the protocol's generic convention needs (Dubbo: `generic=true`). */
  readonly attachments?: Readonly<Record<string, string>>;
}
