// Certificates from files and authorization need nothing beyond core. Certificates from an SDS
// server need the optional @grpc/grpc-js: they are imported from '@meshlet/security/sds' alone, so
// importing this entry point never loads gRPC.
export * from './files/index.js';
export * from './authz/index.js';
