// RouteConfiguration: virtual hosts with domains; each route a match with a path specifier and an
// action; route actions name a cluster (or weighted clusters with a positive total).
import { InvalidResource, list, obj, str, wrapped, type Obj } from './invalid.js';

export function validateRouteConfiguration(rc: Obj): string {
  const name = str(rc['name']);
  if (name === '') throw new InvalidResource(undefined, 'route configuration without a name');
  validateVirtualHosts(rc, (why) => new InvalidResource(name, why));
  return name;
}

export function validateVirtualHosts(rc: Obj, bad: (why: string) => Error): void {
  list(rc['virtualHosts']).forEach((vh, v) => {
    const where = `virtual_hosts[${v}] ${str(vh['name'])}`.trim();
    if (list(vh['domains']).length === 0) throw bad(`${where}: no domains`);
    list(vh['routes']).forEach((r, i) => {
      const at = `${where} routes[${i}]`;
      const match = obj(r['match']);
      if (match === undefined || match['pathSpecifier'] === undefined) throw bad(`${at}: match without prefix, path or regex`);
      const action = str(r['action']);
      if (action === '') throw bad(`${at}: no action`);
      if (action !== 'route') return;
      const ra = obj(r['route']) ?? {};
      const spec = str(ra['clusterSpecifier']);
      if (spec === 'cluster' && str(ra['cluster']) === '') throw bad(`${at}: empty cluster name`);
      if (spec === 'weightedClusters') {
        const clusters = list(obj(ra['weightedClusters'])?.['clusters']);
        const total = clusters.reduce((sum, c) => sum + Number(wrapped(c['weight']) ?? 0), 0);
        if (clusters.length === 0 || total <= 0) throw bad(`${at}: weighted_clusters with a total weight of 0`);
        if (total > 0xffffffff) throw bad(`${at}: weighted_clusters total weight above 2^32-1`);
        if (clusters.some((c) => str(c['name']) === '')) throw bad(`${at}: a weighted cluster without a name`);
      }
      if (spec === '') throw bad(`${at}: route action without a cluster`);
    });
  });
}
