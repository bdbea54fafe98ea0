'use strict';
// Loopback patch for the npm Dubbo peers (dubbo.md §4.1), applied inside our own process only.
// node_modules is never edited: we replace `ip.address()` on the very `ip` module instance the
// peer package resolves, and make `net.Server#listen(port[, cb])` without a host bind 127.0.0.1
// instead of every interface. Nothing here is copied from the peers.
const net = require('net');
const path = require('path');

let applied = false;

/**
 * @param {string} fromPackage package whose `ip` dependency should answer 127.0.0.1
 */
function applyLoopbackPatch(fromPackage) {
  const base = path.dirname(require.resolve(fromPackage));
  const ip = require(require.resolve('ip', { paths: [base] }));
  ip.address = () => '127.0.0.1';
  bindLoopback();
}

/** Only the listen half: `listen(port)` without a host binds 127.0.0.1 (sofa-rpc-node has no host option). */
function bindLoopback() {
  if (applied) return;
  applied = true;
  const origListen = net.Server.prototype.listen;
  net.Server.prototype.listen = function patchedListen(...args) {
    const a0 = args[0];
    if (typeof a0 === 'number' || (typeof a0 === 'string' && /^\d+$/.test(a0))) {
      // listen(port), listen(port, cb), listen(port, backlog, cb): insert the host.
      if (args.length === 1 || typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
    } else if (a0 && typeof a0 === 'object' && !(a0 instanceof net.Server) && a0.path === undefined && a0.host === undefined && a0.fd === undefined && a0.handle === undefined) {
      args[0] = { ...a0, host: '127.0.0.1' };
    }
    return origListen.apply(this, args);
  };
}

module.exports = { applyLoopbackPatch, bindLoopback };
