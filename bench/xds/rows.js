// What the proxyless mesh costs per call (issue 18): the same consumer program
// (bench/xds/client.js, createMeshlet) calling the conformance provider, once with the provider's
// URL (direct mode, the `vs` row) and once driven by xDS from the go-control-plane peer
// (MESHLET_XDS): Listener → RDS route → EDS cluster → the same provider. Only the consumer's call
// path differs; the control plane is idle while the window is measured.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchControlPlane } from './control-plane.js';

let cp;
const prepare = () => benchControlPlane().then((c) => (cp = c));

const provider = (protocol) => () => ['examples/conformance/provider.js', '--protocol', protocol, '--port', '0'];
const client = (protocol, benchArgs, xds) => (port, sc, seconds) => [
  'bench/xds/client.js', '--protocol', protocol, ...benchArgs(port, sc, seconds),
  ...(xds ? ['--xds', `${cp.xdsPort},${cp.apiPort}`] : []),
];

const PROTOCOLS = [
  ['dubbo', 'Dubbo'],
  ['tri', 'Triple'],
];

// The registry row: a fresh `local` registry per server start (a killed provider's entry stays behind).
let registry;
const registered = (protocol) => () => {
  registry = `local://${mkdtempSync(path.join(os.tmpdir(), 'meshlet-bench-xds-registry-'))}`;
  return [...provider(protocol)(), '--registry', registry];
};

/** `benchArgs` is run.js's common client argv (target, payload, concurrency, seconds). */
export function xdsRows(benchArgs) {
  const [direct, ...rest] = xdsPairs(benchArgs);
  return [
    direct,
    {
      id: 'xds-registry-dubbo',
      label: 'meshlet → meshlet, Dubbo, direct (local registry)',
      baseline: 'xds-direct-dubbo',
      scenarios: ['echo-1KiB-c128'],
      server: registered('dubbo'),
      client: (...a) => [...client('dubbo', benchArgs, false)(...a), '--registry', registry],
    },
    ...rest,
  ];
}

function xdsPairs(benchArgs) {
  return PROTOCOLS.flatMap(([protocol, name]) => [
    {
      id: `xds-direct-${protocol}`,
      label: `meshlet → meshlet, ${name}, direct (URL)`,
      baseline: `xds-direct-${protocol}`,
      scenarios: ['echo-1KiB-c128'],
      server: provider(protocol),
      client: client(protocol, benchArgs, false),
    },
    {
      id: `xds-${protocol}`,
      label: `meshlet → meshlet, ${name}, driven by xDS`,
      baseline: `xds-direct-${protocol}`,
      scenarios: ['echo-1KiB-c128'],
      prepare,
      server: provider(protocol),
      client: client(protocol, benchArgs, true),
    },
  ]);
}
