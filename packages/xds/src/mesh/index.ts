// The proxyless mesh: xDS resources mapped onto the core's MeshControl hook.
export { xdsMesh, type XdsMeshOptions } from './xds-mesh.js';
export type { XdsWatchSource } from './reference-watch.js';
export type { OutlierDetectorFactory } from './mesh-cluster.js';
export { METADATA_NAMESPACE, PARAM_CLUSTER, PARAM_LOCALITY, PARAM_LOCALITY_WEIGHT, PARAM_PRIORITY } from './endpoints.js';
export { RETRY_CONDITIONS } from './retry-policy.js';
export type { CertificateProviderFactory } from './tls-clusters.js';
