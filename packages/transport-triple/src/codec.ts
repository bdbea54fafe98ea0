import { Code, RpcError, javaStackTrace, t, type MethodDefinition } from '@meshlet/core';
import { HessianWriter, decode as hessianDecode, encode as hessianEncode, throwableMessage } from '@meshlet/hessian';
import { protobufMethodOf, type ProtobufMethod } from '@meshlet/protobuf';
import {
  WIRE_HESSIAN, decodeRequestWrapper, decodeResponseWrapper, encodeRequestWrapper, encodeResponseWrapper, isHessian,
} from './wrapper.js';

/**
 * How one method's arguments and results (or stream items) become gRPC messages. Protobuf
 * methods (one `protobufMessage` parameter, a protobuf or void result) travel as the bare message,
 * as grpc-java and every gRPC peer send them; any other method in Dubbo's wrapped mode with
 * hessian2 inside (`wrapper.ts`), as a Java Dubbo 3 interface without IDL does. Encoding a value
 * that does not fit its descriptor and decoding bad bytes throw SERIALIZATION; callers say whose
 * fault it was.
 */
export interface MethodCodec {
  readonly wrapped: boolean;
  encodeArgs(args: readonly unknown[]): Buffer;
  decodeArgs(message: Buffer): unknown[];
  encodeResult(value: unknown): Buffer;
  decodeResult(message: Buffer): unknown;
}

const cache = new WeakMap<MethodDefinition, MethodCodec>();

export function methodCodec(method: MethodDefinition): MethodCodec {
  let codec = cache.get(method);
  if (codec === undefined) {
    const proto = protobufMethodOf(method);
    codec = proto ? new ProtobufCodec(proto) : new WrappedCodec(method);
    cache.set(method, codec);
  }
  return codec;
}

class ProtobufCodec implements MethodCodec {
  readonly wrapped = false;
  constructor(private readonly proto: ProtobufMethod) {}

  encodeArgs(args: readonly unknown[]): Buffer {
    return asBuffer(this.proto.request.encode(args[0]));
  }

  decodeArgs(message: Buffer): unknown[] {
    return [this.proto.request.decode(message)];
  }

  encodeResult(value: unknown): Buffer {
    const response = this.proto.response;
    if (response === undefined) return Buffer.alloc(0); // void: google.protobuf.Empty
    if (value === null || value === undefined) throw new RpcError(Code.Serialization, 'a protobuf result cannot be null');
    return asBuffer(response.encode(value));
  }

  decodeResult(message: Buffer): unknown {
    return this.proto.response === undefined ? undefined : this.proto.response.decode(message);
  }
}

class WrappedCodec implements MethodCodec {
  readonly wrapped = true;
  private readonly resultType: string;
  constructor(private readonly method: MethodDefinition) {
    this.resultType = method.returns.kind === 'void' ? '' : method.returns.javaType;
  }

  encodeArgs(args: readonly unknown[]): Buffer {
    const { params, paramTypes } = this.method;
    return encodeRequestWrapper({
      serializeType: WIRE_HESSIAN,
      // Each argument is a hessian stream of its own (Java writes them with one output each).
      args: params.map((p, i) => hessianEncode(args[i], p)),
      argTypes: paramTypes,
    });
  }

  decodeArgs(message: Buffer): unknown[] {
    const w = decodeRequestWrapper(message);
    if (!isHessian(w.serializeType)) {
      throw new RpcError(Code.Serialization, `serializeType ${JSON.stringify(w.serializeType)} is not supported (hessian2/hessian4 is)`);
    }
    const { params } = this.method;
    if (w.args.length !== params.length) {
      throw new RpcError(Code.Serialization, `${this.method.name} takes ${params.length} argument(s), the request carries ${w.args.length}`);
    }
    return params.map((p, i) => hessianDecode(w.args[i]!, p));
  }

  encodeResult(value: unknown): Buffer {
    const desc = this.method.returns.kind === 'void' ? t.any : this.method.returns;
    return encodeResponseWrapper({
      serializeType: WIRE_HESSIAN,
      data: hessianEncode(this.method.returns.kind === 'void' ? null : value, desc),
      type: this.resultType,
    });
  }

  decodeResult(message: Buffer): unknown {
    const w = decodeResponseWrapper(message);
    if (!isHessian(w.serializeType)) {
      throw new RpcError(Code.Serialization, `serializeType ${JSON.stringify(w.serializeType)} is not supported (hessian2/hessian4 is)`);
    }
    if (this.method.returns.kind === 'void') return undefined;
    return hessianDecode(w.data, this.method.returns);
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A Java provider's business exception in wrapped mode. Dubbo 3 answers it as a success —
 * `:status 200`, response header `tri-exception-code: 3`, trailers `grpc-status 0` — whose
 * message is a TripleResponseWrapper holding the hessian2 Throwable (captured from Dubbo 3.3.6,
 * /tmp/h23/triple-capture.md). It becomes a BUSINESS error naming the Java class, with the
 * peer's stack trace, as Dubbo 2's exception responses do.
 */
export function decodeJavaException(message: Buffer): RpcError {
  let className: string | undefined;
  let text: string | undefined;
  let thrown: unknown;
  try {
    const w = decodeResponseWrapper(message);
    if (w.type !== '') className = w.type;
    thrown = hessianDecode(w.data);
    if (typeof thrown === 'string') text = thrown;
    const info = throwableMessage(thrown, true);
    if (info !== undefined) {
      className = info.className;
      text = info.message;
    }
  } catch {
    // What was read (the class name, perhaps) is all we can say.
  }
  const cls = className ?? 'java.lang.RuntimeException';
  const remoteStack = thrown !== null && typeof thrown === 'object' ? javaStackTrace(cls, text, thrown) : undefined;
  return new RpcError(Code.Business, text || cls, remoteStack === undefined ? { remoteClass: cls } : { remoteClass: cls, remoteStack });
}

/** The code Dubbo 3 puts in `tri-exception-code` for a business exception carried as a result. */
export const TRI_EXCEPTION_CODE = '3';

let throwableWriter: HessianWriter | undefined;

/**
 * Our business failure in Dubbo's shape (see `decodeJavaException`): a TripleResponseWrapper
 * with a hessian2 Throwable of the error's Java class (`remoteClass`, else `javaClass` on the
 * thrown value, else java.lang.RuntimeException), which a Java consumer rethrows as that class.
 */
export function encodeJavaException(javaClass: string, message: string): Buffer {
  const w = (throwableWriter ??= new HessianWriter());
  w.reset();
  w.writeThrowable(javaClass, message);
  const data = w.finishCopy();
  w.reset();
  return encodeResponseWrapper({ serializeType: WIRE_HESSIAN, data, type: javaClass });
}
