// Test helpers for suites in this repository (not part of the published package): real
// redis-server and ZooKeeper processes on free loopback ports.
export { freePort } from './free-port.js';
export { ServerProcess, delay, waitUntil, tcpExchange } from './server-process.js';
export { RedisServer, RedisSentinel, RedisCluster, redisCommand, REDIS_SERVER_BIN } from './redis-server.js';
export { ZooKeeperServer, RawZooKeeper, fourLetterWord, ZOOKEEPER_CLASSPATH, JAVA_BIN } from './zookeeper-server.js';
export { NacosServer, nacosServerBin, nacosServerMissing, type NacosServerOptions } from './nacos-server.js';
