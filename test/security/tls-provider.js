// A provider process for the TLS hard-case suites: argv[2] is the protocol (dubbo, bolt, motan2,
// tri, rsocket), TLS from MESHLET_TLS_DIR (meshlet-rpc's env wiring, as a deployment sets it), HOST and
// PORT to bind (loopback and a free port by default). Serves Ledger (test/resilience/service.js):
// each call takes 5–40 ms so that a kill always finds calls in flight, and answers `NAME:n`; plus
// Bulk, which echoes bytes (MiB payloads). Prints `READY <port>`; SIGTERM stops it.
import { createMeshlet } from 'meshlet-rpc';
import { defineService, t } from '@meshlet/core';
import { rsocket } from '@meshlet/transport-rsocket';
import { Ledger } from '../resilience/service.js';

export const Bulk = defineService({
  interface: 'com.meshlet.test.TlsBulk',
  version: '1.0',
  methods: { echo: { params: [t.bytes], returns: t.bytes, idempotent: true } },
});

const [protocol] = process.argv.slice(2);
const name = process.env.NAME ?? String(process.pid);
const mesh = createMeshlet({
  application: 'tls-provider',
  registry: false,
  // RSocket is not one of meshlet-rpc's built-in names: given as a protocol object.
  protocols: [protocol === 'rsocket' ? rsocket() : protocol],
  server: { host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) },
  admin: false,
});
const work = () => new Promise((r) => setTimeout(r, 5 + Math.random() * 35));
mesh.provide(Ledger, {
  charge: async (n) => { await work(); return `${name}:${n}`; },
  lookup: async (n) => { await work(); return `${name}:${n}`; },
});
mesh.provide(Bulk, { echo: async (b) => b });
await mesh.start();
console.log(`READY ${mesh.address(protocol).port}`);
process.once('SIGTERM', () => void mesh.stop().then(() => process.exit(0)));
