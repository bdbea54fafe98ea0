export { createConfigSource, hasConfigSource, registerConfigSourceScheme, type ConfigSourceFactory } from './create.js';
export { ZookeeperConfigSource, type ZookeeperConfigSourceOptions } from './zookeeper.js';
export { NacosConfigSource } from './nacos.js';
