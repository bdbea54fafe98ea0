import { RpcMethod, RpcService, t } from 'meshlet-rpc';

/** The contract both sides share: reading an order is for any caller the policy allows, cancelling is not. */
@RpcService({ interface: 'com.example.orders.OrderService', version: '1.0.0', protocol: 'dubbo' })
export class OrderService {
  @RpcMethod({ params: [t.string], returns: t.string })
  async getOrder(id: string): Promise<string> {
    throw new Error(`not implemented: ${id}`);
  }

  @RpcMethod({ params: [t.string], returns: t.string })
  async cancelOrder(id: string): Promise<string> {
    throw new Error(`not implemented: ${id}`);
  }
}
