// Test utilities for transports, published as `@meshlet/core/testing` and kept out of the main
// index so that applications never load them.
export { RawPeer } from './raw-peer.js';
