/**
 * How Java objects look in JS. A decoded Java object (a POJO, a Throwable, an enum constant) is a
 * plain JS object of its fields; its Java class name rides on a non-enumerable symbol property, so
 * the object still compares, spreads and serializes like a plain object. Typed lists and typed maps
 * (`java.util.HashSet`, `[int`, `java.util.TreeMap`) carry their Hessian type name the same way.
 * Writing such an object untyped (`writeValue`) writes it back as that Java class.
 */

/** The property under which decoded objects carry their Java class name. `Symbol.for`, so copies of this package agree. */
export const JAVA_CLASS: unique symbol = Symbol.for('meshlet.hessian.javaClass');

/** Marks `fields` as an instance of Java class `className` (in place) and returns it. */
export function javaObject<T extends object>(className: string, fields: T): T {
  tagClass(fields, className);
  return fields;
}

/** Sets the Java class of a decoded object, list or map (non-enumerable). */
export function tagClass(target: object, name: string): void {
  Object.defineProperty(target, JAVA_CLASS, { value: name, enumerable: false, writable: true, configurable: true });
}


/** The Java class (or Hessian type) a decoded object, list or map carries, if any. */
export function javaClassOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const cls = (value as { [JAVA_CLASS]?: unknown })[JAVA_CLASS];
  return typeof cls === 'string' ? cls : undefined;
}

const THROWABLE_SUFFIX = /(?:Exception|Error|Throwable)$/;
/** Throwables whose names do not end in Exception/Error. */
const KNOWN_THROWABLES = new Set([
  'java.lang.Throwable',
  'java.lang.ThreadDeath',
  'org.apache.dubbo.rpc.RpcException',
  'com.alibaba.dubbo.rpc.RpcException',
]);

/**
 * True for a decoded Java Throwable: an object whose class name ends in `Exception`, `Error` or
 * `Throwable` (or is a known Throwable), or any Java object carrying Throwable's `detailMessage`
 * field together with `stackTrace` or `cause`.
 */
export function isJavaThrowable(value: unknown): boolean {
  const cls = javaClassOf(value);
  if (cls === undefined || Array.isArray(value) || value instanceof Map) return false;
  if (THROWABLE_SUFFIX.test(cls) || KNOWN_THROWABLES.has(cls)) return true;
  const o = value as Record<string, unknown>;
  return Object.hasOwn(o, 'detailMessage') && (Object.hasOwn(o, 'stackTrace') || Object.hasOwn(o, 'cause'));
}

export interface ThrowableInfo {
  /** The Throwable's Java class, e.g. `java.lang.IllegalStateException`. */
  readonly className: string;
  /** Its `detailMessage` (what Java's `getMessage()` returns); `''` when it has none. */
  readonly message: string;
  /** The cause, when the Throwable carries one that is itself a Throwable (other than itself). */
  readonly cause?: ThrowableInfo;
}

/**
 * Class name and message of a decoded Throwable; `undefined` if `value` is not one. `flagged`: the
 * protocol itself says `value` is a Throwable (Dubbo's exception response), so any Java object
 * counts, whatever its class is named and however few of Throwable's fields its writer sent.
 */
export function throwableMessage(value: unknown, flagged = false): ThrowableInfo | undefined {
  return describe(value, 0, flagged);
}

function describe(value: unknown, depth: number, flagged = false): ThrowableInfo | undefined {
  if (!(flagged ? javaClassOf(value) !== undefined && !Array.isArray(value) && !(value instanceof Map) : isJavaThrowable(value))) return undefined;
  const o = value as Record<string, unknown>;
  const className = javaClassOf(value)!;
  const detail = o.detailMessage;
  const message = typeof detail === 'string' ? detail : '';
  const rawCause = o.cause;
  const cause = rawCause !== value && depth < 8 ? describe(rawCause, depth + 1) : undefined;
  return cause === undefined ? { className, message } : { className, message, cause };
}
