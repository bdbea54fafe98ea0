// Minimal typings for hessian.js 2.11.0, used only by the oracle tests.
declare module 'hessian.js' {
  export function encode(value: unknown, version: '2.0'): Buffer;
  export function decode(buf: Buffer, version: '2.0', withType?: boolean): unknown;
  export class DecoderV2 {
    constructor(buf: Buffer);
    read(withType?: boolean): unknown;
    byteBuffer: { position(): number };
  }
  export class EncoderV2 {
    constructor(options?: { size?: number });
    write(value: unknown): this;
    get(): Buffer;
    reset(): void;
  }
}
