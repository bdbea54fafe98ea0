import type { AuthorizationPolicy } from '@meshlet/security';
import { CONSUMER_ID } from './certs.js';

/**
 * Istio's AuthorizationPolicy, for calls: with an ALLOW policy in force, a call must match one of
 * its rules. The consumer's SPIFFE ID may read orders; nothing allows cancelling, so that is
 * refused with PERMISSION_DENIED before the method runs.
 */
export const policies: AuthorizationPolicy[] = [
  {
    name: 'consumer-reads-orders',
    action: 'ALLOW',
    rules: [{
      from: [{ source: { principals: [CONSUMER_ID] } }],
      to: [{ operation: { services: ['com.example.orders.OrderService'], methods: ['getOrder'] } }],
    }],
  },
];
