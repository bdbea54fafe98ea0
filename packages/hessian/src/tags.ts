/**
 * Byte codes of Hessian 2.0 final, the grammar Caucho Hessian 4.x and Dubbo's hessian-lite write
 * (http://hessian.caucho.com/doc/hessian-serialization.html). Names follow the spec's productions.
 */

export const NULL = 0x4e; // 'N'
export const TRUE = 0x54; // 'T'
export const FALSE = 0x46; // 'F'

// int: [x80-xbf] one byte (-16..47), [xc0-xcf] two bytes (-2048..2047), [xd0-xd7] three bytes
// (-262144..262143), 'I' b3 b2 b1 b0.
export const INT = 0x49; // 'I'
export const INT_ZERO = 0x90;
export const INT_BYTE_ZERO = 0xc8;
export const INT_SHORT_ZERO = 0xd4;

// long: [xd8-xef] one byte (-8..15), [xf0-xff] two bytes, [x38-x3f] three bytes, x59 as int32, 'L' 8 bytes.
export const LONG = 0x4c; // 'L'
export const LONG_ZERO = 0xe0;
export const LONG_BYTE_ZERO = 0xf8;
export const LONG_SHORT_ZERO = 0x3c;
export const LONG_INT = 0x59;

// double: x5b 0.0, x5c 1.0, x5d int8, x5e int16, x5f int32 thousandths ("mills"), 'D' IEEE 754.
export const DOUBLE = 0x44; // 'D'
export const DOUBLE_ZERO = 0x5b;
export const DOUBLE_ONE = 0x5c;
export const DOUBLE_BYTE = 0x5d;
export const DOUBLE_SHORT = 0x5e;
export const DOUBLE_MILL = 0x5f;

// date: x4a milliseconds (int64), x4b minutes (int32).
export const DATE = 0x4a;
export const DATE_MINUTE = 0x4b;

// string: [x00-x1f] 0..31 units, [x30-x33] b0 up to 1023 units, 'S' b1 b0 final chunk, 'R' b1 b0 non-final chunk.
export const STRING_DIRECT_MAX = 0x1f;
export const STRING_SHORT = 0x30;
export const STRING_SHORT_MAX = 0x3ff;
export const STRING = 0x53; // 'S'
export const STRING_CHUNK = 0x52; // 'R'

// binary: [x20-x2f] 0..15 bytes, [x34-x37] b0 up to 1023 bytes, 'B' b1 b0 final chunk, 'A' b1 b0 non-final chunk.
export const BINARY_DIRECT = 0x20;
export const BINARY_DIRECT_MAX = 0x0f;
export const BINARY_SHORT = 0x34;
export const BINARY_SHORT_MAX = 0x3ff;
export const BINARY = 0x42; // 'B'
export const BINARY_CHUNK = 0x41; // 'A'

// list: x55 type value* 'Z', 'V' type int value*, x57 value* 'Z', x58 int value*,
// [x70-x77] type value* (fixed length 0..7), [x78-x7f] value* (untyped, fixed length 0..7).
export const LIST_VARIABLE = 0x55;
export const LIST_FIXED = 0x56; // 'V'
export const LIST_VARIABLE_UNTYPED = 0x57;
export const LIST_FIXED_UNTYPED = 0x58;
export const LIST_DIRECT = 0x70;
export const LIST_DIRECT_UNTYPED = 0x78;
export const LIST_DIRECT_MAX = 0x07;

// map: 'M' type (key value)* 'Z', 'H' (key value)* 'Z'.
export const MAP = 0x4d; // 'M'
export const MAP_UNTYPED = 0x48; // 'H'
export const END = 0x5a; // 'Z'

// object: 'C' string int string* defines a class; 'O' int value* or [x60-x6f] value* is an instance.
export const CLASS_DEF = 0x43; // 'C'
export const OBJECT = 0x4f; // 'O'
export const OBJECT_DIRECT = 0x60;
export const OBJECT_DIRECT_MAX = 0x0f;

// ref: x51 int, a back-reference to the n-th list, map or object of this message.
export const REF = 0x51; // 'Q'

/** Human-readable name of a byte code, for error messages. */
export function tagName(tag: number): string {
  const hex = `0x${tag.toString(16).padStart(2, '0')}`;
  return tag >= 0x41 && tag <= 0x5a ? `${hex} '${String.fromCharCode(tag)}'` : hex;
}
