'use strict';
// A minimal in-process registry that satisfies what apache-dubbo-service@0.0.1 calls on its
// `registry` prop (read from node_modules/apache-dubbo-service/lib/dubbo-service.js):
//   - DubboService.checkProps: `util.isObj(registry)` → must be a plain `[object Object]`
//   - registerServices(): `await registry.ready()` then
//     `await registry.registerServices([{ dubboServiceInterface, dubboServiceUrl }])`
//   - close(): `registry.close()` (return value ignored)
// No ZooKeeper, no native addon: the URLs the provider would have published are just kept here so
// the peer script can print them (they show the package's URL defects, dubbo.md §3).
class MemoryRegistry {
  constructor() {
    /** @type {{dubboServiceInterface: string, dubboServiceUrl: string}[]} */
    this.registered = [];
    this.closed = false;
  }
  ready() {
    return Promise.resolve();
  }
  async registerServices(list) {
    for (const item of list) this.registered.push({ ...item });
  }
  close() {
    this.closed = true;
  }
}

module.exports = { MemoryRegistry };
