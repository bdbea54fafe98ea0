/**
 * The tags of Motan's `simple` serialization (motan.md §2.1): one byte before every value.
 * Containers carry their payload's byte length, not an element count.
 */
export const Tag = {
  NULL: 0,
  STRING: 1,
  /** map<string,string>: u32 byte length, then (u32 len + bytes) key, (u32 len + bytes) value … */
  STRING_MAP: 2,
  BYTES: 3,
  /** string[]: u32 byte length, then (u32 len + bytes) per element. */
  STRING_ARRAY: 4,
  BOOL: 5,
  BYTE: 6,
  INT16: 7,
  /** ZigZag varint. */
  INT32: 8,
  /** ZigZag varint. */
  INT64: 9,
  FLOAT32: 10,
  FLOAT64: 11,
  /** map<any,any>: u32 byte length, then tagged key, tagged value … */
  MAP: 20,
  /** any[]: u32 byte length, then tagged elements. */
  ARRAY: 21,
} as const;

export const SIMPLE_ID = 6;
