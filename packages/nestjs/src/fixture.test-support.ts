// Contracts shared by the tests: what a Java team's API jar would hold, as Meshlet classes.
import { RpcMethod, RpcService, t } from '@meshlet/core';

const remote = (): never => {
  throw new Error('a contract: called through a reference, never run');
};

/** Exported by a Nest app over Dubbo and Bolt (one implementation, two protocols). */
@RpcService({ interface: 'com.meshlet.nest.Greeter', version: '1.0.0', protocol: ['dubbo', 'bolt'] })
export class Greeter {
  @RpcMethod({ params: [t.string], returns: t.string })
  async greet(_name: string): Promise<string> { return remote(); }

  /** Holds the call `ms` milliseconds: in flight while the app shuts down. */
  @RpcMethod({ params: [t.int32], returns: t.int32 })
  async slow(_ms: number): Promise<number> { return remote(); }

  @RpcMethod({ params: [t.string], returns: t.string })
  async refuse(_reason: string): Promise<string> { return remote(); }
}

/** Provided by a plain Meshlet runtime over Dubbo and Motan2, called from a Nest app. */
@RpcService({ interface: 'com.meshlet.nest.Ledger', version: '2.0.0', protocol: ['dubbo', 'motan2'] })
export class Ledger {
  @RpcMethod({ params: [t.string, t.int64], returns: t.int64 })
  async credit(_account: string, _cents: bigint): Promise<bigint> { return remote(); }
}

/** Nobody provides this one. */
@RpcService({ interface: 'com.meshlet.nest.Missing', version: '1.0.0' })
export class Missing {
  @RpcMethod({ params: [], returns: t.string })
  async ping(): Promise<string> { return remote(); }
}
