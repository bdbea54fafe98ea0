/**
 * Byte codes of the two Hessian 2 dialects this package speaks, in one place:
 *
 * - Hessian 2.0 final, the grammar Caucho Hessian 4.x and Dubbo's hessian-lite write
 *   (http://hessian.caucho.com/doc/hessian-serialization.html);
 * - the Hessian 2.0 draft that Hessian 3.1.3 writes: sofa-hessian 3.x, SOFARPC's default serializer
 *   (see shared/reference/bolt-sofa.md §0.1, §1.7).
 *
 * Codes both dialects spell the same are the constants below. Codes they spell differently, or
 * that only one of them has, are the rows of `CODES`, one column per dialect: `FINAL` and `DRAFT`
 * are those columns, each with its `forms` table (what every first byte starts in that dialect),
 * and the shared reader and writer read them through `this.tags`.
 */

// ------------------------------------------------------------------ codes both dialects share

export const NULL = 0x4e; // 'N'
export const TRUE = 0x54; // 'T'
export const FALSE = 0x46; // 'F'

// int: [x80-xbf] one byte (-16..47), [xc0-xcf] two bytes (-2048..2047), [xd0-xd7] three bytes
// (-262144..262143), 'I' b3 b2 b1 b0.
export const INT = 0x49; // 'I'
export const INT_ZERO = 0x90;
export const INT_BYTE_ZERO = 0xc8;
export const INT_SHORT_ZERO = 0xd4;

// long: [xd8-xef] one byte (-8..15), [xf0-xff] two bytes, [x38-x3f] three bytes, `LONG_INT` (per
// dialect) b3..b0, 'L' 8 bytes.
export const LONG = 0x4c; // 'L'
export const LONG_ZERO = 0xe0;
export const LONG_BYTE_ZERO = 0xf8;
export const LONG_SHORT_ZERO = 0x3c;

// double: the compact forms are per dialect; 'D' IEEE 754 in both.
export const DOUBLE = 0x44; // 'D'

// string: [x00-x1f] 0..31 units, 'S' b1 b0 final chunk (2.0 also has the short form [x30-x33] b0,
// up to 1023 units); the non-final chunk code is per dialect.
export const STRING_DIRECT_MAX = 0x1f;
export const STRING = 0x53; // 'S'
export const STRING_SHORT_MAX = 0x3ff;

// binary: [x20-x2f] 0..15 bytes, 'B' b1 b0 final chunk (2.0 also has [x34-x37] b0, up to 1023 bytes).
export const BINARY_DIRECT = 0x20;
export const BINARY_DIRECT_MAX = 0x0f;
export const BINARY = 0x42; // 'B'
export const BINARY_SHORT_MAX = 0x3ff;

// map: 'M' type (key value)* END; the untyped 'H' is 2.0's.
export const MAP = 0x4d; // 'M'

// Ranges of the 2.0 compact forms whose first code is in `CODES`.
export const LIST_DIRECT_MAX = 0x07; // x70-x77 typed, x78-x7f untyped: 0..7 items
export const OBJECT_DIRECT_MAX = 0x0f; // x60-x6f: instances of the first 16 classes

// Sub-productions of the draft's own grammar (type names and list lengths), not values.
export const TYPE = 0x74; // 't' b1 b0 type-chars
export const TYPE_REF = 0x75; // int
export const TYPE_REF_LEGACY = 0x54; // 'T' int, accepted by 3.1.3's readType
export const LENGTH_BYTE = 0x6e; // 'n' b0
export const LENGTH = 0x6c; // 'l' b3 b2 b1 b0

// ------------------------------------------------------------------ codes per dialect

/** In a column of `CODES`: the dialect has no such form (no byte equals it, so `tag === tags.X` is just false). */
export const NONE = -1;

/**
 * The forms the dialects spell differently, one row per form: `[2.0 final, 3.1.3 draft]`. The
 * draft's `V` list is read up to its END marker, so it is the draft's `LIST_VARIABLE`; its `v`
 * list (type reference, length, no end) is its `LIST_FIXED`.
 */
const CODES = {
  //                      2.0 final  3.1.3 draft
  END:                   [0x5a,      0x7a], // 'Z' / 'z': end of a map, of a variable list
  LONG_INT:              [0x59,      0x77], // long as b3..b0
  DOUBLE_ZERO:           [0x5b,      0x67], // 0.0
  DOUBLE_ONE:            [0x5c,      0x68], // 1.0
  DOUBLE_BYTE:           [0x5d,      0x69], // b0 as int8
  DOUBLE_SHORT:          [0x5e,      0x6a], // b1 b0 as int16
  DOUBLE_MILL:           [0x5f,      NONE], // b3..b0 thousandths
  DOUBLE_FLOAT:          [NONE,      0x6b], // b3..b0 IEEE 754 float32
  DATE:                  [0x4a,      0x64], // b7..b0 milliseconds ('d' in the draft)
  DATE_MINUTE:           [0x4b,      NONE], // b3..b0 minutes
  STRING_SHORT:          [0x30,      NONE], // x30-x33 b0
  STRING_CHUNK:          [0x52,      0x73], // 'R' / 's' b1 b0: non-final chunk
  BINARY_SHORT:          [0x34,      NONE], // x34-x37 b0
  BINARY_CHUNK:          [0x41,      0x62], // 'A' / 'b' b1 b0: non-final chunk
  LIST_VARIABLE:         [0x55,      0x56], // x55 type value* Z / 'V' [t type] [n b0 | l b3..b0] value* z
  LIST_FIXED:            [0x56,      0x76], // 'V' type int value* / 'v' int(type ref) int value*
  LIST_VARIABLE_UNTYPED: [0x57,      NONE], // x57 value* Z
  LIST_FIXED_UNTYPED:    [0x58,      NONE], // x58 int value*
  LIST_DIRECT:           [0x70,      NONE], // x70-x77 type value*
  LIST_DIRECT_UNTYPED:   [0x78,      NONE], // x78-x7f value*
  MAP_UNTYPED:           [0x48,      NONE], // 'H' (key value)* Z
  CLASS_DEF:             [0x43,      0x4f], // 'C' string int string* / 'O' int(name length) name-chars int string*
  OBJECT:                [0x4f,      0x6f], // 'O' / 'o' int(class index) value*
  OBJECT_DIRECT:         [0x60,      NONE], // x60-x6f value*
  REF:                   [0x51,      NONE], // 'Q' int
  REF_BYTE:              [NONE,      0x4a], // b0
  REF_SHORT:             [NONE,      0x4b], // b1 b0
  REF_INT32:             [NONE,      0x52], // 'R' b3..b0
} as const satisfies Record<string, readonly [number, number]>;

/** One dialect's codes (`NONE` where it lacks a form) and what each first byte starts in it. */
export type DialectTags = { readonly [K in keyof typeof CODES]: number } & {
  readonly name: string;
  /** For every byte, the `F_*` form a value starting with it has in this dialect (`F_UNKNOWN`: none). */
  readonly forms: Uint8Array;
};

// Forms: what a value's first byte starts. The reader dispatches on `tags.forms[tag]`.
export const F_UNKNOWN = 0;
export const F_NULL = 1;
export const F_TRUE = 2;
export const F_FALSE = 3;
export const F_INT = 4;
export const F_LONG = 5;
export const F_DOUBLE_ZERO = 6;
export const F_DOUBLE_ONE = 7;
export const F_DOUBLE_BYTE = 8;
export const F_DOUBLE_SHORT = 9;
export const F_DOUBLE_MILL = 10;
export const F_DOUBLE_FLOAT = 11;
export const F_DOUBLE = 12;
export const F_DATE = 13;
export const F_DATE_MINUTE = 14;
export const F_STRING_DIRECT = 15;
export const F_STRING_SHORT = 16;
export const F_STRING = 17;
export const F_STRING_CHUNK = 18;
export const F_BINARY_DIRECT = 19;
export const F_BINARY_SHORT = 20;
export const F_BINARY = 21;
export const F_BINARY_CHUNK = 22;
export const F_LIST = 23;
export const F_MAP_UNTYPED = 24;
export const F_MAP = 25;
export const F_CLASS_DEF = 26;
export const F_OBJECT = 27;
export const F_OBJECT_DIRECT = 28;
export const F_REF = 29;
export const F_REF_BYTE = 30;
export const F_REF_SHORT = 31;
export const F_REF_INT32 = 32;

function dialect(name: string, column: 0 | 1): DialectTags {
  const codes = Object.fromEntries(Object.entries(CODES).map(([key, row]) => [key, row[column]])) as { [K in keyof typeof CODES]: number };
  const forms = new Uint8Array(256);
  const form = (first: number, count: number, f: number): void => {
    if (first === NONE) return;
    for (let b = first; b < first + count; b++) {
      if (forms[b] !== F_UNKNOWN) throw new Error(`${name}: byte 0x${b.toString(16)} starts two forms`);
      forms[b] = f;
    }
  };
  form(NULL, 1, F_NULL);
  form(TRUE, 1, F_TRUE);
  form(FALSE, 1, F_FALSE);
  form(0x80, 0xd8 - 0x80, F_INT);
  form(INT, 1, F_INT);
  form(0xd8, 0x100 - 0xd8, F_LONG);
  form(0x38, 8, F_LONG);
  form(codes.LONG_INT, 1, F_LONG);
  form(LONG, 1, F_LONG);
  form(codes.DOUBLE_ZERO, 1, F_DOUBLE_ZERO);
  form(codes.DOUBLE_ONE, 1, F_DOUBLE_ONE);
  form(codes.DOUBLE_BYTE, 1, F_DOUBLE_BYTE);
  form(codes.DOUBLE_SHORT, 1, F_DOUBLE_SHORT);
  form(codes.DOUBLE_MILL, 1, F_DOUBLE_MILL);
  form(codes.DOUBLE_FLOAT, 1, F_DOUBLE_FLOAT);
  form(DOUBLE, 1, F_DOUBLE);
  form(codes.DATE, 1, F_DATE);
  form(codes.DATE_MINUTE, 1, F_DATE_MINUTE);
  form(0x00, STRING_DIRECT_MAX + 1, F_STRING_DIRECT);
  form(codes.STRING_SHORT, (STRING_SHORT_MAX >> 8) + 1, F_STRING_SHORT);
  form(STRING, 1, F_STRING);
  form(codes.STRING_CHUNK, 1, F_STRING_CHUNK);
  form(BINARY_DIRECT, BINARY_DIRECT_MAX + 1, F_BINARY_DIRECT);
  form(codes.BINARY_SHORT, (BINARY_SHORT_MAX >> 8) + 1, F_BINARY_SHORT);
  form(BINARY, 1, F_BINARY);
  form(codes.BINARY_CHUNK, 1, F_BINARY_CHUNK);
  form(codes.LIST_VARIABLE, 1, F_LIST);
  form(codes.LIST_FIXED, 1, F_LIST);
  form(codes.LIST_VARIABLE_UNTYPED, 1, F_LIST);
  form(codes.LIST_FIXED_UNTYPED, 1, F_LIST);
  form(codes.LIST_DIRECT, LIST_DIRECT_MAX + 1, F_LIST);
  form(codes.LIST_DIRECT_UNTYPED, LIST_DIRECT_MAX + 1, F_LIST);
  form(codes.MAP_UNTYPED, 1, F_MAP_UNTYPED);
  form(MAP, 1, F_MAP);
  form(codes.CLASS_DEF, 1, F_CLASS_DEF);
  form(codes.OBJECT, 1, F_OBJECT);
  form(codes.OBJECT_DIRECT, OBJECT_DIRECT_MAX + 1, F_OBJECT_DIRECT);
  form(codes.REF, 1, F_REF);
  form(codes.REF_BYTE, 1, F_REF_BYTE);
  form(codes.REF_SHORT, 1, F_REF_SHORT);
  form(codes.REF_INT32, 1, F_REF_INT32);
  return Object.freeze({ ...codes, name, forms });
}

/** Hessian 2.0 final (Caucho 4.x, Dubbo hessian-lite, sofa-hessian 4.x). */
export const FINAL = dialect('Hessian 2.0', 0);
/** The Hessian 2.0 draft of Hessian 3.1.3 (sofa-hessian 3.x, SOFARPC's default). */
export const DRAFT = dialect('Hessian 3.1.3 draft', 1);

/**
 * Gives a writer or reader class its dialect's codes as the `tags` property of its prototype (a
 * constant per class to the JIT, and nothing to store per instance).
 */
export function defineTags(cls: abstract new (...args: never[]) => unknown, tags: DialectTags): void {
  Object.defineProperty(cls.prototype, 'tags', { value: tags });
}

/** Human-readable name of a byte code, for error messages. */
export function tagName(tag: number): string {
  const hex = `0x${tag.toString(16).padStart(2, '0')}`;
  return tag >= 0x41 && tag <= 0x5a ? `${hex} '${String.fromCharCode(tag)}'` : hex;
}
