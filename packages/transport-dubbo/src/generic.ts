import { Code, RpcError, t, toWire, type GenericCall, type GenericWireCall, type MethodDefinition } from '@meshlet/core';
import type { HessianReader } from '@meshlet/hessian';
import type { RequestHead } from './request.js';

/** What Java's GenericService sends: `$invoke(String method, String[] parameterTypes, Object[] args)`. */
const GENERIC_DESCRIPTOR = 'Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;';

/** A generic call (`$invoke`/`$invokeAsync`) addressed to a service that does not export such a method. */
export function isGenericCall(head: RequestHead): boolean {
  return (head.method === '$invoke' || head.method === '$invokeAsync') && head.descriptor === GENERIC_DESCRIPTOR;
}

/** The real method and its parameter types (as a JVM descriptor) of a generic call; reads them from `r`. */
export function readGenericTarget(r: HessianReader): { method: string; descriptor: string } {
  const method = r.readValue();
  const types = r.readValue();
  if (typeof method !== 'string' || method === '') throw new RpcError(Code.BadRequest, 'generic call: the method name is not a string');
  if (types !== null && (!Array.isArray(types) || !types.every((t) => typeof t === 'string'))) {
    throw new RpcError(Code.BadRequest, 'generic call: the parameter types are not a String[]');
  }
  return { method, descriptor: ((types ?? []) as string[]).map(descriptorOf).join('') };
}

/**
 * Reads the generic call's Object[] arguments as the resolved method's declared types, straight from
 * the frame (so an int64 or a POJO sent as a Map arrives exactly as in a direct call).
 */
export function readGenericArgs(r: HessianReader, method: MethodDefinition): unknown[] {
  if (r.readNullTag()) {
    if (method.params.length !== 0) throw new RpcError(Code.BadRequest, `generic call: no arguments for ${method.name}`);
    return [];
  }
  const length = r.beginList();
  r.addRef(null);
  const args: unknown[] = [];
  for (const p of method.params) {
    if (length < 0 ? !r.hasMore() : args.length >= length) throw new RpcError(Code.BadRequest, `generic call: too few arguments for ${method.name}`);
    args.push(r.readTyped(p));
  }
  if (length < 0 ? r.hasMore() : args.length !== length) throw new RpcError(Code.BadRequest, `generic call: too many arguments for ${method.name}`);
  r.endList(length);
  return args;
}

const PRIMITIVES: Readonly<Record<string, string>> = {
  boolean: 'Z', byte: 'B', char: 'C', short: 'S', int: 'I', long: 'J', float: 'F', double: 'D', void: 'V',
};

/** `int` → `I`, `java.lang.String` → `Ljava/lang/String;`, `int[]`/`[I` → `[I`, `java.lang.String[]` → `[Ljava/lang/String;`. */
export function descriptorOf(javaType: string): string {
  if (javaType.startsWith('[')) return javaType.replace(/\./g, '/');
  if (javaType.endsWith('[]')) return `[${descriptorOf(javaType.slice(0, -2))}`;
  return PRIMITIVES[javaType] ?? `L${javaType.replace(/\./g, '/')};`;
}

/** `$invoke`'s own signature, as a method spec: the real method, its type names, its arguments. */
const INVOKE_SPEC = { name: '$invoke', params: [t.string, t.array(t.string), t.array(t.any)], returns: t.any } as const;

/**
 * A generic call as Java's `GenericService` sends it: `$invoke(method, String[] types, Object[] args)`
 * with attachment `generic=true`. The provider (Java or Meshlet) resolves the overload from the type
 * names and rebuilds POJOs from maps whose `class` key names the class (PojoUtils.realize), so
 * POJO arguments keep their `class` key; Java answers POJOs as such maps (PojoUtils.generalize).
 */
export function dubboGenericCall(call: GenericCall): GenericWireCall {
  const args = call.args.map((a, i) => toWire(a, call.params[i]!, 'keep'));
  return { method: INVOKE_SPEC, args: [call.method, [...call.paramTypes], args], attachments: { generic: 'true' } };
}
