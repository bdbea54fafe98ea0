import { createMeshlet, RpcError } from 'meshlet-rpc';
import { OrderService } from './contract.js';

// MESHLET_TLS_DIR: this process's certificate (its SPIFFE ID) and the CA it trusts;
// MESHLET_TLS_IDENTITIES: the provider identity it accepts (instead of a host name check).
const mesh = createMeshlet({ application: 'demo-consumer', protocols: ['dubbo'] });
const orders = mesh.refer(OrderService, { timeout: 5_000 });

async function attempt(what: string, call: () => Promise<string>): Promise<void> {
  try {
    console.log(`consumer: ${what} allowed: ${await call()}`);
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    console.log(`consumer: ${what} refused: ${err.code} (${err.message})`);
  }
}

await attempt('getOrder("A-17")', () => orders.getOrder('A-17'));
await attempt('cancelOrder("A-17")', () => orders.cancelOrder('A-17'));

// The same call from an app without a certificate: the provider's port speaks TLS only.
const plain = createMeshlet({ application: 'demo-stranger', protocols: ['dubbo'], registry: process.env.MESHLET_REGISTRY ?? 'local' }, { ...process.env, MESHLET_TLS_DIR: '' });
await attempt('getOrder("A-17") without a certificate', () => plain.refer(OrderService, { timeout: 5_000 }).getOrder('A-17'));

await plain.stop();
await mesh.stop();
