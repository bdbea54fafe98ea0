// Registration by name (grpc-js style): each package exports a registration function or entry, and
// whoever assembles a runtime (the umbrella package, an app) calls it; no module registers as a
// side effect of being imported.
export { NamedTable, type RegisterOptions } from './table.js';
export {
  registerProtocol, registerProtocols, createProtocol, protocolNames, resolveProtocols,
  type ProtocolFactory, type ProtocolRegistration,
} from './protocols.js';
export { registerLoadBalancer, createLoadBalancer, loadBalancerNames, type LoadBalancerFactory } from './balancers.js';
export { registerRouter, createRouter, routerNames, DEFAULT_ROUTER, type RouterFactory, type RouterOptions } from './routers.js';
export {
  registerSerialization, serializationByName, serializationById, serializationNames, type Serialization,
} from './serializations.js';
