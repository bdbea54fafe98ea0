// ClusterLoadAssignment: endpoints with a socket address (host and a port in range), positive weights,
// priorities that run 0..N without a gap, a locality weight total within 32 bits (gRPC's rules).
import { InvalidResource, list, obj, str, wrapped, type Obj } from './invalid.js';

export function validateClusterLoadAssignment(cla: Obj): string {
  const name = str(cla['clusterName']);
  if (name === '') throw new InvalidResource(undefined, 'cluster load assignment without a cluster_name');
  const bad = (why: string) => new InvalidResource(name, why);
  const priorities = new Set<number>();
  const totals = new Map<number, number>();
  list(cla['endpoints']).forEach((loc, i) => {
    const priority = Number(loc['priority'] ?? 0);
    priorities.add(priority);
    const lw = wrapped(loc['loadBalancingWeight']);
    if (lw !== undefined) {
      if (Number(lw) === 0) throw bad(`endpoints[${i}]: locality weight 0`);
      const total = (totals.get(priority) ?? 0) + Number(lw);
      if (total > 0xffffffff) throw bad(`priority ${priority}: locality weights add up past 2^32-1`);
      totals.set(priority, total);
    }
    list(loc['lbEndpoints']).forEach((ep, j) => {
      const at = `endpoints[${i}].lb_endpoints[${j}]`;
      const w = wrapped(ep['loadBalancingWeight']);
      if (w !== undefined && Number(w) === 0) throw bad(`${at}: weight 0`);
      const endpoint = obj(ep['endpoint']);
      if (endpoint === undefined) {
        if (ep['endpointName'] !== undefined) return; // a named endpoint, resolved elsewhere
        throw bad(`${at}: no endpoint`);
      }
      const socket = obj(obj(endpoint['address'])?.['socketAddress']);
      if (socket === undefined) {
        if (obj(obj(endpoint['address'])?.['pipe']) !== undefined) return;
        throw bad(`${at}: no socket address`);
      }
      if (str(socket['address']) === '') throw bad(`${at}: empty address`);
      const port = socket['portValue'];
      if (port === undefined || !(Number(port) > 0 && Number(port) <= 65535)) throw bad(`${at}: port ${String(port ?? 'missing')} out of range`);
    });
  });
  const sorted = [...priorities].sort((a, b) => a - b);
  sorted.forEach((p, i) => {
    if (p !== i) throw bad(`priorities are not contiguous from 0: ${sorted.join(',')}`);
  });
  return name;
}
