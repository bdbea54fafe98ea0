import { ByteReader } from './bytes.js';

/** Access flags this generator reads (JVMS §4.1, §4.5, §4.6). */
export const Acc = {
  Public: 0x0001,
  Private: 0x0002,
  Static: 0x0008,
  Final: 0x0010,
  Bridge: 0x0040,
  Transient: 0x0080,
  Interface: 0x0200,
  Abstract: 0x0400,
  Synthetic: 0x1000,
  Annotation: 0x2000,
  Enum: 0x4000,
} as const;

export interface MemberInfo {
  readonly access: number;
  readonly name: string;
  /** The erased JVM descriptor, e.g. `(ILjava/lang/String;)V`. */
  readonly descriptor: string;
  /** The generic `Signature` attribute, when javac wrote one. */
  readonly signature: string | undefined;
}

export interface MethodInfo extends MemberInfo {
  /** Internal names (`com/acme/BadThing`) from the `Exceptions` attribute. */
  readonly exceptions: readonly string[];
}

export interface ClassInfo {
  readonly access: number;
  /** The binary name with dots: `com.acme.Outer$Inner`. */
  readonly name: string;
  readonly superName: string | undefined;
  readonly interfaces: readonly string[];
  readonly signature: string | undefined;
  readonly fields: readonly MemberInfo[];
  readonly methods: readonly MethodInfo[];
}

const MAGIC = 0xcafebabe;

/** Java's "modified UTF-8" (JVMS §4.4.7): like UTF-8 but NUL is two bytes and supplementary chars are surrogate pairs. */
function modifiedUtf8(r: ByteReader, b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; ) {
    const x = b[i]!;
    if (x < 0x80) {
      s += String.fromCharCode(x);
      i += 1;
    } else if ((x & 0xe0) === 0xc0 && i + 1 < b.length) {
      s += String.fromCharCode(((x & 0x1f) << 6) | (b[i + 1]! & 0x3f));
      i += 2;
    } else if ((x & 0xf0) === 0xe0 && i + 2 < b.length) {
      s += String.fromCharCode(((x & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f));
      i += 3;
    } else {
      r.fail(`malformed modified UTF-8 byte 0x${x.toString(16)}`);
    }
  }
  return s;
}

type Constant = { tag: number; text?: string; index?: number };

/**
 * Parses a `.class` file: only what code generation needs (names, flags, members, generic
 * signatures, declared exceptions); code and annotations are skipped. Corrupt input is an
 * INVALID_ARGUMENT RpcError naming `source`.
 */
export function parseClass(bytes: Uint8Array, source = 'class file'): ClassInfo {
  const r: ByteReader = new ByteReader(bytes, source);
  if (r.u4() !== MAGIC) r.fail('not a class file (bad magic)');
  r.u2(); // minor
  const major = r.u2();
  if (major < 45 || major > 80) r.fail(`unsupported class file version ${major}`);
  const count = r.u2();
  const pool: (Constant | undefined)[] = new Array(count);
  for (let i = 1; i < count; i++) {
    const tag = r.u1();
    switch (tag) {
      case 1: pool[i] = { tag, text: modifiedUtf8(r, r.bytes(r.u2())) }; break;
      case 7: case 8: case 16: case 19: case 20: pool[i] = { tag, index: r.u2() }; break;
      case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18: pool[i] = { tag }; r.skip(4); break;
      // long and double take two slots (JVMS §4.4.5)
      case 5: case 6: pool[i] = { tag }; r.skip(8); i++; break;
      case 15: pool[i] = { tag }; r.skip(3); break;
      default: r.fail(`unknown constant pool tag ${tag} at entry ${i}`);
    }
  }
  const utf8 = (i: number): string => {
    const c = i > 0 && i < count ? pool[i] : undefined;
    if (c?.tag !== 1 || c.text === undefined) r.fail(`constant #${i} is not a UTF-8 entry`);
    return c.text;
  };
  const className = (i: number): string => {
    const c = i > 0 && i < count ? pool[i] : undefined;
    if (c?.tag !== 7 || c.index === undefined) r.fail(`constant #${i} is not a class entry`);
    return utf8(c.index).replace(/\//g, '.');
  };

  const access = r.u2();
  const name = className(r.u2());
  const superIndex = r.u2();
  const superName = superIndex === 0 ? undefined : className(superIndex);
  const interfaces = Array.from({ length: r.u2() }, () => className(r.u2()));

  // Attributes of a member or the class: Signature and Exceptions are kept, the rest skipped.
  const attributes = () => {
    let signature: string | undefined;
    let exceptions: string[] = [];
    const n = r.u2();
    for (let a = 0; a < n; a++) {
      const attrName = utf8(r.u2());
      const len = r.u4();
      const end = r.pos + len;
      if (attrName === 'Signature' && len === 2) signature = utf8(r.u2());
      else if (attrName === 'Exceptions') exceptions = Array.from({ length: r.u2() }, () => className(r.u2()));
      else r.skip(len);
      if (r.pos !== end) r.fail(`attribute ${attrName} has length ${len} but its content ends elsewhere`);
    }
    return { signature, exceptions };
  };
  const member = () => {
    const acc = r.u2();
    const memberName = utf8(r.u2());
    const descriptor = utf8(r.u2());
    const { signature, exceptions } = attributes();
    return { access: acc, name: memberName, descriptor, signature, exceptions };
  };
  const fields = Array.from({ length: r.u2() }, () => {
    const { exceptions: _, ...f } = member();
    return f;
  });
  const methods = Array.from({ length: r.u2() }, member);
  const { signature } = attributes();
  if (r.pos !== bytes.length) r.fail(`${bytes.length - r.pos} bytes after the class file's end`);
  return { access, name, superName, interfaces, signature, fields, methods };
}
