import { RpcMethod, RpcService, t } from '@meshlet/core';

export const Greeting = t.object('org.apache.dubbo.demo.Greeting', {
  to: t.string,
  text: t.string,
  count: t.int64,
});

/**
 * The contract, shared by provider and consumer: the Java interface's name, version and types.
 * The method bodies are never called on the consumer side; `refer` builds a remote proxy.
 */
@RpcService({ interface: 'org.apache.dubbo.demo.DemoService', version: '1.0.0', protocol: 'dubbo' })
export class DemoService {
  @RpcMethod({ params: [t.string], returns: t.string })
  async sayHello(name: string): Promise<string> {
    throw new Error(`not implemented: ${name}`);
  }

  @RpcMethod({ params: [t.string, t.int64], returns: Greeting })
  async greet(to: string, count: bigint): Promise<{ to: string; text: string; count: bigint }> {
    throw new Error(`not implemented: ${to} ${count}`);
  }
}
