import { Code, RpcError } from '@meshlet/core';
import { hessian2, hessian2Draft, type HessianDialect, type HessianReader, type HessianWriter } from '@meshlet/hessian';

/**
 * The two Hessian flavours codec 1 carries: `hessian2-draft` (Hessian 3.1.3's draft, sofa-hessian
 * 3.x, SOFARPC's default) and `hessian2` (Hessian 4, sofa-hessian 4.x). The codec byte does not
 * say which; the first content byte does: a SofaRequest or SofaResponse starts with its class
 * definition, `O` (0x4f) in the draft and `C` (0x43) in Hessian 4. Servers answer in the flavour of
 * the request; clients write the configured one and read whichever comes back.
 */
export type HessianFlavour = 'hessian2-draft' | 'hessian2';

const DIALECTS: Record<HessianFlavour, HessianDialect> = { 'hessian2-draft': hessian2Draft, hessian2 };
const CLASS_DEF_4 = 0x43;
const CLASS_DEF_DRAFT = 0x4f;

export function dialectOf(flavour: HessianFlavour | undefined): HessianDialect {
  const d = DIALECTS[flavour ?? 'hessian2-draft'];
  if (d === undefined) throw new RpcError(Code.InvalidArgument, `unknown Hessian flavour ${JSON.stringify(flavour)} (use 'hessian2-draft' or 'hessian2')`);
  return d;
}

/** One writer and one reader per flavour, made on first use and reused (not re-entrant). */
export class Flavours {
  private readonly writers = new Map<HessianDialect, HessianWriter>();
  private readonly readers = new Map<HessianDialect, HessianReader>();

  constructor(readonly preferred: HessianDialect) {}

  /** The flavour the content in `buf[start..]` is written in (the preferred one when the first byte does not tell). */
  sniff(buf: Buffer, start: number, end: number): HessianDialect {
    if (start >= end) return this.preferred;
    const b = buf[start];
    return b === CLASS_DEF_4 ? hessian2 : b === CLASS_DEF_DRAFT ? hessian2Draft : this.preferred;
  }

  writer(dialect: HessianDialect = this.preferred): HessianWriter {
    let w = this.writers.get(dialect);
    if (w === undefined) {
      w = dialect.createWriter();
      this.writers.set(dialect, w);
    }
    return w;
  }

  /** A reader over `buf[start, end)` in the flavour it is written in, with fresh tables. */
  reader(buf: Buffer, start: number, end: number): HessianReader {
    const dialect = this.sniff(buf, start, end);
    let r = this.readers.get(dialect);
    if (r === undefined) {
      r = dialect.createReader(buf, start, end);
      this.readers.set(dialect, r);
      return r;
    }
    return r.reset(buf, start, end);
  }
}
