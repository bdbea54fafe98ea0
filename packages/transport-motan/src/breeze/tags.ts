/**
 * Breeze type bytes (motan.md §2.2; identical in breeze-go and breeze Java). Small strings, int32s
 * and int64s carry their value in the type byte itself ("direct" forms).
 */
export const BreezeTag = {
  DIRECT_STRING_MAX: 0x3e,
  /** varint byte length + UTF-8 */
  STRING: 0x3f,
  DIRECT_INT32_MIN: 0x40,
  DIRECT_INT32_MAX: 0x7e,
  /** ZigZag varint */
  INT32: 0x7f,
  DIRECT_INT64_MIN: 0x80,
  DIRECT_INT64_MAX: 0x97,
  /** ZigZag varint */
  INT64: 0x98,
  NULL: 0x99,
  TRUE: 0x9a,
  FALSE: 0x9b,
  BYTE: 0x9c,
  /** u32 byte length + bytes */
  BYTES: 0x9d,
  INT16: 0x9e,
  FLOAT32: 0x9f,
  FLOAT64: 0xa0,
  /** varint count, then typed key and typed value per entry */
  MAP: 0xd9,
  /** varint count, then typed elements */
  ARRAY: 0xda,
  /** varint count, key type, value type (omitted when empty), then untyped entries */
  PACKED_MAP: 0xdb,
  /** varint count, element type (omitted when empty), then untyped elements */
  PACKED_ARRAY: 0xdc,
  SCHEMA: 0xdd,
  /** name (varint length + UTF-8, remembered per body), then u32 length of the fields */
  MESSAGE: 0xde,
  /** varint index of a name met earlier in the body */
  REF_MESSAGE: 0xdf,
  /** 0xe0–0xff: reference index 1–32 in the type byte */
  DIRECT_REF_MESSAGE_MAX: 0xff,
} as const;

/** The value a direct int32 / int64 type byte stands for is the byte minus these. */
export const INT32_ZERO = 0x50;
export const INT64_ZERO = 0x88;

export const BREEZE_ID = 8;
