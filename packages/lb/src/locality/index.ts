export { LocalityAwareBalancer, localityAware, LOCALITY_DEFAULTS, type LocalityAwareOptions, type LocalitySnapshot } from './locality-balancer.js';
export { priorityLoad, type LevelInput, type PriorityLoad, type PriorityLoadOptions } from './priority-load.js';
export { XDS_LOCALITY, XDS_PRIORITY, XDS_HEALTH, XDS_LOCALITY_WEIGHT, hostFacts, type HostFacts, type HostHealth } from './params.js';
