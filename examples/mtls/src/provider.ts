import { createMeshlet, type Interceptor } from 'meshlet-rpc';
import { createAuthorizer } from '@meshlet/security';
import { OrderService } from './contract.js';
import { policies } from './policy.js';

// No TLS option in code: MESHLET_TLS_DIR (set by run.js) gives this port mutual TLS, strict
// (TLS only), with certificates that rotate when the files change.
const authorizer = createAuthorizer(policies);

// Who called, and what the policy says: the identity comes from the client's verified certificate.
const audit: Interceptor = (next) => (inv) => {
  const decision = authorizer.check(inv);
  console.log(`provider: ${inv.method.name} from ${inv.identity?.spiffeId ?? 'an unauthenticated caller'}: ${decision.allowed ? `allowed by ${decision.policy}` : `refused (${decision.reason})`}`);
  return next(inv);
};

class Orders extends OrderService {
  override async getOrder(id: string) {
    return `order ${id}: 2 books, shipped`;
  }

  override async cancelOrder(id: string): Promise<string> {
    // Never reached in this demo: the authorizer refuses the call first.
    return `order ${id} cancelled`;
  }
}

const mesh = createMeshlet({
  application: 'demo-orders',
  protocols: ['dubbo'],
  server: { host: '127.0.0.1', port: 0 },
  // The authorizer's interceptor refuses with PERMISSION_DENIED what the policies do not allow.
  serverInterceptors: [audit, authorizer.interceptor],
});
mesh.provide(new Orders());
await mesh.start();
console.log(`provider: OrderService listening on dubbo://127.0.0.1:${mesh.address()!.port} over mTLS, registered in the local registry`);

process.once('SIGTERM', async () => {
  await mesh.stop();
  console.log('provider: stopped');
  process.exit(0);
});
