export * from './files/index.js';
export * from './sds/index.js';
export * from './authz/index.js';
