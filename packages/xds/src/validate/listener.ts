// Listener: gRPC's client rules. A client listener (api_listener) holds an HttpConnectionManager that
// names its routes (RDS with an ADS or self config source, or inline), with the router filter last.
// A server listener (address + filter chains) is taken as it is: the mapping decides what it serves.
import { InvalidResource, list, obj, str, type Obj } from './invalid.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

export function validateListener(l: Obj): string {
  const name = str(l['name']);
  const bad = (why: string) => new InvalidResource(name, why);
  if (name === '') throw new InvalidResource(undefined, 'listener without a name');
  const api = obj(obj(l['apiListener'])?.['apiListener']);
  if (api === undefined) {
    if (obj(l['address']) === undefined && list(l['filterChains']).length === 0) throw bad('neither api_listener nor address with filter chains');
    return name;
  }
  if (api['@type'] !== HCM) throw bad(`api_listener is ${str(api['@type']) || 'empty'}, not an HttpConnectionManager`);
  validateHcm(api, bad);
  return name;
}

export function validateHcm(hcm: Obj, bad: (why: string) => Error): void {
  const rds = obj(hcm['rds']);
  if (rds !== undefined) {
    if (str(rds['routeConfigName']) === '') throw bad('rds without route_config_name');
    const source = obj(rds['configSource']);
    if (source === undefined || (source['ads'] === undefined && source['self'] === undefined)) throw bad('rds config_source must be ads or self');
  } else if (obj(hcm['routeConfig']) === undefined) {
    throw bad('HttpConnectionManager with neither rds nor route_config');
  }
  const filters = list(hcm['httpFilters']);
  if (filters.length === 0) throw bad('no http_filters (the router must be last)');
  const seen = new Set<string>();
  filters.forEach((f, i) => {
    const fname = str(f['name']);
    if (fname === '') throw bad(`http_filters[${i}] without a name`);
    if (seen.has(fname)) throw bad(`http_filters: duplicate name ${fname}`);
    seen.add(fname);
    const typed = obj(f['typedConfig']);
    const isRouter = typed?.['@type'] === ROUTER;
    if (isRouter && i !== filters.length - 1) throw bad(`the router filter ${fname} is not last`);
    if (!isRouter && i === filters.length - 1) throw bad('the last http filter is not the router');
  });
}
