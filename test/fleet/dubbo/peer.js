// The Apache Dubbo peers of the fleet suite (test/fleet/java/dubbo27, test/fleet/java/dubbo3): how to
// build and start them, and the Meshlet pieces the Dubbo suites put opposite them in this process.
import { spawn } from 'node:child_process';
import { defineService, serviceDefinition, t } from '@meshlet/core';
import { createMeshlet } from 'meshlet-rpc';
import { dubbo } from '@meshlet/transport-dubbo';
import { EchoService, echoImpl } from '../../../examples/conformance/service.js';
import { javaArgs, javaPeer } from '../lib/maven.js';
import { runConsumer, scratch, startPeer } from '../lib/processes.js';
import { FleetService, fleetImpl } from '../meshlet/fleet-service.js';

/**
 * Java 17 closes the JDK's internals that Dubbo reflects on: 2.7's javassist defines classes in
 * java.lang, and both versions' type and hessian code reads BigInteger, BigDecimal, collections.
 * Exported for peers started with a main class of their own (dubbo3-tls.test.js).
 */
const OPENS = ['java.lang', 'java.math', 'java.util', 'java.util.concurrent', 'java.net', 'java.text', 'java.time', 'java.io', 'java.lang.reflect']
  .flatMap((p) => ['--add-opens', `java.base/${p}=ALL-UNNAMED`]);
export const JVM = ['-Xmx512m', ...OPENS];

/** A built Dubbo peer module: `provider(args)` and `consumer(args)` as the kit's peers. */
export async function dubboPeer(module) {
  const classpath = await javaPeer(module);
  const main = (cls) => `com.meshlet.dubbo.${cls}`;
  return {
    module,
    classpath,
    provider: (args = [], opts = {}) =>
      startPeer('java', javaArgs(classpath, main('Provider'), ['--port', '0', ...args], JVM), { name: `${module} provider`, ...opts }),
    consumer: (args, opts = {}) =>
      runConsumer('java', javaArgs(classpath, main('Consumer'), args, JVM), { name: `${module} consumer`, ...opts }),
    /** A consumer as a child process, for suites that need to act while it runs (drain, load: stdin ends it). */
    spawnConsumer: (args) => spawn('java', javaArgs(classpath, main('Consumer'), args, JVM), { cwd: scratch, stdio: ['pipe', 'pipe', 'pipe'] }),
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

/** EchoService in group g2, version 2.0, answering "g2:" + s: the Java providers' variant too. */
export const G2Echo = serviceDefinition({ ...EchoService, group: 'g2', version: '2.0' }, EchoService.methods.values());
export const g2EchoImpl = { ...echoImpl, echo: (s) => `g2:${s}` };

/** EchoService in a version nobody exports. */
export const Echo99 = serviceDefinition({ ...EchoService, version: '9.9' }, EchoService.methods.values());

/** A service nobody exports, and EchoService with a method its providers do not have. */
export const Missing = defineService({ interface: 'com.meshlet.Missing', version: '1.0', methods: { nope: { params: [t.string], returns: t.string } } });
export const EchoWithNope = defineService({ interface: EchoService.interface, version: '1.0', methods: { nope: { params: [t.string], returns: t.string } } });

/** A Meshlet in this process serving what the Java providers serve (the kit, the fleet, the g2 variant). */
export async function meshletProvider({ registry = false, client } = {}) {
  const mesh = createMeshlet({ application: 'meshlet-dubbo-suite', protocols: [dubbo()], registry, server: { host: '127.0.0.1', port: 0 }, client });
  mesh.provide(EchoService, echoImpl);
  mesh.provide(G2Echo, g2EchoImpl);
  mesh.provide(FleetService, fleetImpl);
  await mesh.start();
  return mesh;
}

/** A Meshlet consumer in this process. */
export function meshletConsumer({ registry = false, client } = {}) {
  return createMeshlet({ application: 'meshlet-dubbo-suite', protocols: [dubbo()], registry, client });
}
