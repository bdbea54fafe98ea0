// Bench rows with the real fleets (test/fleet): for each Java or Go framework, its own pair (the
// baseline those rows are divided by), the peer calling Meshlet, and Meshlet calling the peer. The
// peers are the fleet suite's programs, built (or taken from the fleet cache) before their first pair.
// Java runs with full JIT here (the tests start JVMs with C1 only, for start-up time).
import { javaPeer } from '../../test/fleet/lib/maven.js';
import { goPeer } from '../../test/fleet/lib/go.js';

// Java 17 closes the JDK internals that Dubbo's javassist and SOFARPC's and Dubbo's Hessian reflect on.
const OPENS = ['java.lang', 'java.math', 'java.util', 'java.util.concurrent', 'java.net', 'java.text', 'java.time', 'java.io', 'java.lang.reflect']
  .flatMap((p) => ['--add-opens', `java.base/${p}=ALL-UNNAMED`]);

const loadArgs = (port, sc, seconds) => [
  '--bench', '--target', `127.0.0.1:${port}`, '--method', 'echo',
  '--payload', String(sc.payload), '--concurrency', String(sc.concurrency), '--seconds', String(seconds), '--connections', '1',
];

/**
 * One framework's three rows. `peer` resolves (building once) to `{ server(): spec, client(port, sc, s): spec }`
 * where a spec is `{ cmd, args }`; `meshlet` gives the Meshlet side's provider argv and consumer argv.
 */
function family({ id, name, build, meshlet }) {
  let peer;
  const prepare = async () => { peer ??= await build(); };
  const pair = `${id}-${id}`;
  return [
    { id: pair, label: `${name} → ${name}`, prepare, baseline: pair, server: () => peer.server(), client: (p, sc, s) => peer.client(p, sc, s) },
    { id: `${id}-meshlet`, label: `${name} → meshlet`, prepare, baseline: pair, server: () => meshlet.server, client: (p, sc, s) => peer.client(p, sc, s) },
    { id: `meshlet-${id}`, label: `meshlet → ${name}`, prepare, baseline: pair, server: () => peer.server(), client: (p, sc, s) => meshlet.client(p, sc, s) },
  ];
}

const kit = (protocol, extra = []) => ({
  server: ['examples/conformance/provider.js', '--protocol', protocol, '--port', '0', ...extra],
  client: (port, sc, seconds) => ['examples/conformance/consumer.js', '--protocol', protocol, ...loadArgs(port, sc, seconds)],
});

const java = (module, main, jvm = []) => async () => {
  const cp = await javaPeer(module);
  const run = (cls, args) => ({ cmd: 'java', args: ['-Xmx1g', ...jvm, '-cp', cp, `${main}.${cls}`, ...args] });
  return { server: () => run('Provider', ['--port', '0']), client: (port, sc, s) => run('Consumer', loadArgs(port, sc, s)) };
};

const motanGo = async () => {
  const [server, client] = await Promise.all([goPeer('motan-server'), goPeer('motan-client')]);
  return { server: () => ({ cmd: server, args: ['--listen', '0'] }), client: (port, sc, s) => ({ cmd: client, args: loadArgs(port, sc, s) }) };
};

export function fleetRows() {
  return [
    ...family({ id: 'jdubbo3', name: 'Java Dubbo 3.3', build: java('dubbo3', 'com.meshlet.dubbo', OPENS), meshlet: kit('dubbo') }),
    ...family({ id: 'jdubbo27', name: 'Java Dubbo 2.7', build: java('dubbo27', 'com.meshlet.dubbo', OPENS), meshlet: kit('dubbo') }),
    ...family({ id: 'sofarpc', name: 'SOFARPC 5', build: java('sofarpc', 'com.meshlet.sofarpc', OPENS), meshlet: kit('bolt') }),
    ...family({ id: 'jmotan', name: 'Java motan', build: java('motan', 'com.meshlet.motan'), meshlet: kit('motan2') }),
    ...family({ id: 'motango', name: 'motan-go', build: motanGo, meshlet: kit('motan2') }),
  ];
}
