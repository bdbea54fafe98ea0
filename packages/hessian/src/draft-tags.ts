/**
 * Byte codes of the Hessian 2.0 *draft* that Hessian 3.1.3 writes: sofa-hessian 3.x, SOFARPC's
 * default serializer (see shared/reference/bolt-sofa.md §0.1, §1.7). Only codes that differ from
 * 2.0 final (`tags.ts`) are listed; null, booleans, ints, longs (but `LONG_INT`), `I`, `L`, `D`,
 * direct strings and direct binaries are the same.
 */

export const END = 0x7a; // 'z'
export const LONG_INT = 0x77;
export const DOUBLE_ZERO = 0x67;
export const DOUBLE_ONE = 0x68;
export const DOUBLE_BYTE = 0x69;
export const DOUBLE_SHORT = 0x6a;
export const DOUBLE_FLOAT = 0x6b;
export const DATE = 0x64; // 'd'
export const STRING_CHUNK = 0x73; // 's'
export const BINARY_CHUNK = 0x62; // 'b'
export const LIST = 0x56; // 'V' [type] [length] value* 'z'
export const LIST_FIXED = 0x76; // 'v' int(type ref) int(length) value*
export const LENGTH_BYTE = 0x6e; // 'n' b0
export const LENGTH = 0x6c; // 'l' b3 b2 b1 b0
export const TYPE = 0x74; // 't' b1 b0 type-chars
export const TYPE_REF = 0x75; // int
export const TYPE_REF_LEGACY = 0x54; // 'T' int, accepted by 3.1.3's readType
export const MAP = 0x4d; // 'M' [type] (key value)* 'z'
export const OBJECT_DEF = 0x4f; // 'O' int(name length) name-chars int(count) string*
export const OBJECT = 0x6f; // 'o' int(definition index)
export const REF = 0x52; // 'R' b3 b2 b1 b0
export const REF_BYTE = 0x4a;
export const REF_SHORT = 0x4b;
