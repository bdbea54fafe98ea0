export type { GenericCall, GenericWireCall } from '../generic-call.js';
export { genericService, type GenericOptions, type GenericService } from './service.js';
export { guessJavaType, typeOfJavaName } from './java-type.js';
export { fromWire, toWire } from './values.js';
export { METADATA_SERVICE, metadataServiceDefinitions, metadataServiceImpl, fullServiceDefinition } from './metadata-service.js';
export {
  dubboMetadataInfo, metadataRevision, serviceInfoOf, serviceMatchKey, APP_LEVEL_PROTOCOLS, EMPTY_REVISION, METADATA_RELEASE, METADATA_INFO_TYPE, SERVICE_INFO_TYPE,
  type DubboMetadataInfo, type DubboServiceInfo,
} from './metadata-info.js';
