// Triple (HTTP/2) rows beyond `meshlet-tri` (run.js, beside `grpc-js`): Meshlet's consumer calling
// Apache Dubbo 3.3.6's own Triple provider (the fleet's TriProvider: the kit's EchoService 1.0 in
// wrapped mode, hessian2), and a server-streaming scenario, items per second, Meshlet against
// grpc-js (bench/triple/stream-peer.js: one call asks for N items, C calls in flight).
import { javaPeer } from '../../test/fleet/lib/maven.js';

export const STREAM_SCENARIO = 'stream-1KiB-x1000-c4';
const ITEMS = 1000;

/** Server streaming: 1,000 items of 1 KiB per call, 4 calls in flight; the table's calls/s is items/s. */
export function tripleStreamScenario() {
  return {
    id: STREAM_SCENARIO,
    label: `server stream, ${ITEMS} items of 1 KiB per call, 4 calls in flight (items/s)`,
    payload: 1024,
    concurrency: 4,
    rows: ['meshlet-tri-stream', 'grpc-js-stream'],
  };
}

// Java 17 closes the JDK internals that Dubbo's javassist and Hessian reflect on (as fleet/rows.js).
const OPENS = ['java.lang', 'java.math', 'java.util', 'java.util.concurrent', 'java.net', 'java.text', 'java.time', 'java.io', 'java.lang.reflect']
  .flatMap((p) => ['--add-opens', `java.base/${p}=ALL-UNNAMED`]);

export function tripleRows(benchArgs) {
  let cp;
  const stream = (kind) => ({
    server: () => ['bench/triple/stream-peer.js', '--serve', kind, '--port', '0'],
    client: (port, sc, seconds) => ['bench/triple/stream-peer.js', '--load', kind, '--target', `127.0.0.1:${port}`,
      '--items', String(ITEMS), '--payload', String(sc.payload), '--concurrency', String(sc.concurrency), '--seconds', String(seconds)],
  });
  return [
    {
      id: 'meshlet-jtri',
      label: 'meshlet → Java Dubbo 3.3 Triple',
      scenarios: ['echo-1KiB-c128'],
      prepare: async () => { cp ??= await javaPeer('dubbo3'); },
      server: () => ({ cmd: 'java', args: ['-Xmx1g', ...OPENS, '-cp', cp, 'com.meshlet.dubbo.TriProvider', '--port', '0'] }),
      client: (port, sc, seconds) => ['examples/conformance/consumer.js', '--protocol', 'tri', ...benchArgs(port, sc, seconds)],
    },
    { id: 'meshlet-tri-stream', label: 'meshlet → meshlet, Triple server stream', scenarios: [STREAM_SCENARIO], baseline: 'grpc-js-stream', ...stream('tri') },
    { id: 'grpc-js-stream', label: 'grpc-js server stream → grpc-js', scenarios: [STREAM_SCENARIO], baseline: 'grpc-js-stream', ...stream('grpc') },
  ];
}
