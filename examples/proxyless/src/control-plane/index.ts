// The demo's example control plane: an ADS server and the Envoy resources it serves.
export { AdsServer } from './ads-server.js';
export { serviceSnapshot, resourcesInUse, type RouteSpec, type Snapshot } from './resources.js';
export { FAULT, pack, ms, type Packed, type Plain } from './encode.js';
