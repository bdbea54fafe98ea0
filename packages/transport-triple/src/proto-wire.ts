// The few protobuf wire-format pieces the fixed Triple messages need (google.rpc.Status and
// Dubbo's TripleRequestWrapper / TripleResponseWrapper): no schema, no reflection.

export function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

export function lengthDelimited(field: number, body: Uint8Array): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(body.length), body]);
}

/** The fields of a message: varints as numbers, length-delimited as bytes; other wire types skipped. */
export function* fields(bytes: Uint8Array, bad: (what: string) => Error): Generator<[number, number | Uint8Array]> {
  let i = 0;
  const readVarint = (): number => {
    let result = 0;
    let mul = 1;
    for (let n = 0; n < 10; n++) {
      if (i >= bytes.length) throw bad('truncated varint');
      const b = bytes[i++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    throw bad('varint longer than 10 bytes');
  };
  while (i < bytes.length) {
    const key = readVarint();
    const field = Math.floor(key / 8);
    const type = key & 7;
    if (type === 0) yield [field, readVarint() % 2 ** 32];
    else if (type === 2) {
      const len = readVarint();
      if (i + len > bytes.length) throw bad('length past the end');
      yield [field, bytes.subarray(i, i + len)];
      i += len;
    } else if (type === 1) i += 8;
    else if (type === 5) i += 4;
    else throw bad(`wire type ${type}`);
    if (i > bytes.length) throw bad('field past the end');
  }
}

