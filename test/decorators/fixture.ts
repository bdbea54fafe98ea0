// Compiled twice: under TC39 standard decorators (tsconfig.standard.json) and under
// experimentalDecorators (tsconfig.legacy.json), as NestJS and Midway users compile.
import { RpcMethod, RpcService, t } from '@meshlet/core';

@RpcService({ interface: 'com.meshlet.test.Calculator', version: '1.0.0' })
export class Calculator {
  @RpcMethod({ params: [t.int32, t.int32], returns: t.int32 })
  async add(a: number, b: number): Promise<number> {
    return a + b;
  }

  @RpcMethod({ params: [t.int64], returns: t.int64 })
  async twice(n: bigint): Promise<bigint> {
    return n * 2n;
  }

  /** Not an RPC method: no decorator. */
  helper(): string {
    return 'local';
  }
}

/** An implementation extending a decorated contract inherits its service definition. */
export class LoudCalculator extends Calculator {
  override async add(a: number, b: number): Promise<number> {
    return (a + b) * 10;
  }
}

/** A subclass that declares more methods gets its own service; the parent's is unchanged. */
@RpcService({ interface: 'com.meshlet.test.SciCalculator', version: '1.0.0' })
export class SciCalculator extends Calculator {
  @RpcMethod({ params: [t.float64], returns: t.float64 })
  async sqrt(x: number): Promise<number> {
    return Math.sqrt(x);
  }
}
