// @meshlet/core/engine: the connection engine, for transport authors. Framing (FrameReader over a
// protocol's FrameSplitter), one connection with batched writes and backpressure, the client
// channel (reconnect, heartbeats, probes, deadlines) and the frame server, plus the wrappers that
// turn a codec into a ProtocolClient / ProtocolServer. Apps never need it: they use `@meshlet/core`.
// The engine imports the model (../*.ts) and telemetry, never the runtime.
export * from '../codec.js';
export * from './options.js';
export * from './frame-reader.js';
export * from './frame-deadline.js';
export * from './backoff.js';
export * from './connection.js';
export * from './client-channel.js';
export * from './server.js';
export * from './server-invocation.js';
export * from './protocol-server.js';
export * from './channel-client.js';
export { SafeIdCodec } from './safe-ids.js';
export * from './channel-wait.js';
export { DeadlineQueue, type Deadlined } from './deadline-queue.js';
export * from './tls.js';
