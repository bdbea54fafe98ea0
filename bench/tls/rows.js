// What TLS costs: bench rows that run Meshlet's conformance provider and consumer over mutual TLS,
// each measured against the same pair in plaintext (its `baseline`), and a scenario of new
// connections per second. TLS comes from MESHLET_TLS_DIR (meshlet-rpc's createMeshlet reads it),
// so the programs are the plaintext rows' own: the only difference is the environment.
import { PROVIDER_ID, makeBenchCerts } from './certs.js';

let certs; // { dir, provider, consumer }, made once per harness run by the first mTLS row
let making;
// BENCH_TLS_KEY=rsa: RSA 2048 keys instead of EC P-256 (certs.js).
const prepare = () => (making ??= makeBenchCerts(process.env.BENCH_TLS_KEY === 'rsa' ? 'rsa' : 'ec').then((c) => (certs = c)));

const providerEnv = () => ({ MESHLET_TLS_DIR: certs.provider });
// The consumer checks the provider's SPIFFE ID (not the host name), as a mesh client would.
const consumerEnv = () => ({ MESHLET_TLS_DIR: certs.consumer, MESHLET_TLS_IDENTITIES: PROVIDER_ID });

const provider = (protocol) => () => ['examples/conformance/provider.js', '--protocol', protocol, '--port', '0'];
const consumer = (protocol, benchArgs) => (port, sc, seconds) => ['examples/conformance/consumer.js', '--protocol', protocol, ...benchArgs(port, sc, seconds)];

/** Plaintext row id → protocol, for the mTLS row beside each. */
const ECHO = [
  ['meshlet', 'dubbo', 'meshlet → meshlet'],
  ['meshlet-bolt', 'bolt', 'meshlet → meshlet, Bolt'],
  ['meshlet-motan2', 'motan2', 'meshlet → meshlet, Motan2 simple'],
  ['meshlet-rsocket', 'rsocket', 'meshlet → meshlet, RSocket (JSON)'],
];

export const CONNECT_SCENARIO = 'connect-c16';

/**
 * New connections per second to a Meshlet Dubbo provider, 16 opening at a time, each answered
 * (one heartbeat) and closed: bench/tls/connect.js. No payload.
 */
export function tlsScenario() {
  return {
    id: CONNECT_SCENARIO,
    label: 'new connection + one heartbeat, 16 at a time',
    payload: 0,
    concurrency: 16,
    rows: ['connect-tcp', 'connect-mtls', 'connect-mtls-ctx', 'connect-mtls-resume'],
  };
}

/** The rows; `benchArgs` is run.js's common client argv (target, payload, concurrency, seconds). */
export function tlsRows(benchArgs) {
  const connect = (...extra) => (port, sc, seconds) => ['bench/tls/connect.js', ...benchArgs(port, sc, seconds), ...extra];
  const mtlsClient = () => ['--tls-dir', certs.consumer, '--identities', PROVIDER_ID];
  return [
    ...ECHO.map(([plain, protocol, label]) => ({
      id: `${plain}-mtls`,
      label: `${label}, mTLS`,
      baseline: plain,
      // One scenario by default: the throughput one; the rest of the default run stays as it was.
      scenarios: ['echo-1KiB-c128'],
      prepare,
      server: provider(protocol),
      serverEnv: providerEnv,
      client: consumer(protocol, benchArgs),
      clientEnv: consumerEnv,
    })),
    {
      id: 'connect-tcp',
      label: 'new TCP connections (plaintext port)',
      scenarios: [CONNECT_SCENARIO],
      server: provider('dubbo'),
      client: connect(),
    },
    {
      id: 'connect-mtls',
      label: 'new mTLS connections, a context per dial (as the engine dials)',
      scenarios: [CONNECT_SCENARIO],
      baseline: 'connect-tcp',
      prepare,
      server: provider('dubbo'),
      serverEnv: providerEnv,
      client: (...a) => connect(...mtlsClient())(...a),
    },
    {
      id: 'connect-mtls-ctx',
      label: 'new mTLS connections, one SecureContext shared',
      scenarios: [CONNECT_SCENARIO],
      baseline: 'connect-tcp',
      prepare,
      server: provider('dubbo'),
      serverEnv: providerEnv,
      client: (...a) => connect(...mtlsClient(), '--shared-context')(...a),
    },
    {
      id: 'connect-mtls-resume',
      label: 'new mTLS connections, shared context + session resumption',
      scenarios: [CONNECT_SCENARIO],
      baseline: 'connect-tcp',
      prepare,
      server: provider('dubbo'),
      serverEnv: providerEnv,
      client: (...a) => connect(...mtlsClient(), '--shared-context', '--resume')(...a),
    },
  ];
}
