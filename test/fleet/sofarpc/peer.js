// The SOFARPC 5 peer of the fleet suite (test/fleet/java/sofarpc): how to build and start it, and
// the Meshlet pieces the suite puts opposite it in this process.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { createRuntime, defineService, serviceDefinition, t } from '@meshlet/core';
import { bolt, protobufMessage } from '@meshlet/transport-bolt';
import { EchoService, echoImpl } from '../../../examples/conformance/service.js';
import { javaArgs, javaPeer } from '../lib/maven.js';
import { runConsumer, scratch, startPeer } from '../lib/processes.js';
import { FleetService, fleetImpl } from '../meshlet/fleet-service.js';

/** Java 17 closes the JDK internals that SOFA hessian 3 reflects on (BigDecimal, collections, Date). */
const OPENS = ['java.lang', 'java.math', 'java.util', 'java.util.concurrent', 'java.net', 'java.text', 'java.io', 'java.lang.reflect']
  .flatMap((p) => ['--add-opens', `java.base/${p}=ALL-UNNAMED`]);
export const JVM = ['-Xmx512m', ...OPENS];

/**
 * The built peer: `provider(args, {jvm})` and `consumer(args, {jvm})` as the kit's peers; `jvm`
 * adds system properties (Bolt's heartbeat and idle timers are `-Dbolt.tcp.*`).
 */
export async function sofaPeer() {
  const classpath = await javaPeer('sofarpc');
  const main = (cls) => `com.meshlet.sofarpc.${cls}`;
  const argv = (cls, args, jvm = []) => javaArgs(classpath, main(cls), args, [...JVM, ...jvm]);
  return {
    classpath,
    provider: (args = [], { jvm, ...opts } = {}) => startPeer('java', argv('Provider', ['--port', '0', ...args], jvm), { name: 'sofarpc provider', ...opts }),
    consumer: (args, { jvm, ...opts } = {}) => runConsumer('java', argv('Consumer', args, jvm), { name: 'sofarpc consumer', ...opts }),
    /** A consumer as a child process, for suites that act while it runs (drain, load: stdin ends it). */
    spawnConsumer: (args, jvm = []) => spawn('java', argv('Consumer', args, jvm), { cwd: scratch, stdio: ['pipe', 'pipe', 'pipe'] }),
    /**
     * `java` argv for the bench harness: the provider (prints READY <port>) and the load client
     * (one JSON line). Full JIT here, unlike the tests' quick-start flags.
     */
    benchServer: () => [...JVM, '-cp', classpath, main('Provider'), '--port', '0'],
    benchClient: (target, { payload = 1024, concurrency = 128, seconds = 5 } = {}) =>
      [...JVM, '-cp', classpath, main('Consumer'), '--bench', '--target', target, '--method', 'echo',
        '--payload', String(payload), '--concurrency', String(concurrency), '--seconds', String(seconds), '--connections', '1'],
  };
}

/** The protobuf service of the Java module (src/main/proto/echo.proto), read with protobufjs. */
const proto = protobuf.loadSync(fileURLToPath(new URL('../java/sofarpc/src/main/proto/echo.proto', import.meta.url)));
export const EchoRequest = proto.lookupType('com.meshlet.fleet.proto.EchoRequest');
export const ProtoService = defineService({
  interface: 'com.meshlet.sofarpc.ProtoService',
  version: '1.0',
  methods: {
    echo: { params: [protobufMessageOf('EchoRequest')], returns: protobufMessageOf('EchoReply') },
    fail: { params: [protobufMessageOf('EchoRequest')], returns: protobufMessageOf('EchoReply') },
  },
});
/** SOFARPC's protobuf services are Java interfaces over generated messages, with no rpc in the .proto. */
function protobufMessageOf(name) {
  return protobufMessage(proto.lookupType(`com.meshlet.fleet.proto.${name}`));
}
export const protoImpl = {
  echo: (r) => ({ ...r, count: r.tags.length }),
  fail: (r) => { throw Object.assign(new Error(r.text), { javaClass: 'java.lang.IllegalArgumentException' }); },
};

/** EchoService under uniqueId g2 answering "g2:" + s: the Java provider's variant too. */
export const G2Echo = serviceDefinition({ ...EchoService, group: 'g2' }, EchoService.methods.values());
export const g2EchoImpl = { ...echoImpl, echo: (s) => `g2:${s}` };

/** A service nobody exports, and EchoService with a method its providers do not have. */
export const Missing = defineService({ interface: 'com.meshlet.Missing', version: '1.0', methods: { nope: { params: [t.string], returns: t.string } } });
export const EchoWithNope = defineService({ interface: EchoService.interface, version: '1.0', methods: { nope: { params: [t.string], returns: t.string } } });

/** A Meshlet in this process serving what the Java provider serves (the kit, the fleet, g2, protobuf). */
export async function meshletProvider({ registry, client } = {}) {
  const mesh = createRuntime({ application: 'meshlet-sofarpc-suite', protocols: [bolt()], registry, server: { host: '127.0.0.1', port: 0 }, client });
  mesh.provide(EchoService, echoImpl);
  mesh.provide(G2Echo, g2EchoImpl);
  mesh.provide(FleetService, fleetImpl);
  mesh.provide(ProtoService, protoImpl);
  await mesh.start();
  return mesh;
}

/** A Meshlet consumer in this process. */
export function meshletConsumer({ registry, client } = {}) {
  return createRuntime({ application: 'meshlet-sofarpc-suite', protocols: [bolt()], registry, client });
}
