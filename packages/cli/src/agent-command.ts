import { startAgent, type AgentConfig } from '@meshlet/agent';
import { flagPort, flagPorts, flagText, type Parsed } from './args.js';
import { UsageError, type Command, type CommandIo } from './command.js';

const AGENT_USAGE = `meshlet agent [--config file.json] [--registry url] [--app name] [--host 127.0.0.1]
              [--port 12220] [--extra-ports 9981] [--http-port 13330] [--extra-http-ports 8002]
              [--ingress-host 0.0.0.0] [--ingress-port 12230] [--advertise-host ip] [--offline]
              [--tls-dir DIR] [--tls-mode strict|permissive] [--upstream-identities spiffe://…,…]

Runs Meshlet's sidecar agent. Settings: defaults < the config file (or MESHLET_AGENT_CONFIG) <
environment (MESHLET_REGISTRY, MESHLET_APP, MESHLET_AGENT_HOST, MESHLET_AGENT_PORT,
MESHLET_AGENT_HTTP_PORT, MESHLET_AGENT_INGRESS_HOST, MESHLET_AGENT_INGRESS_PORT, MESHLET_HOST,
MESHLET_TLS_DIR, MESHLET_TLS_MODE, MESHLET_TLS_IDENTITIES) < flags.
--tls-dir: mTLS from cert.pem, key.pem and ca.pem in DIR (rotated live) on the agent's ports and
its upstream dials; --tls-mode permissive also takes plaintext on the same ports (default strict);
--upstream-identities: the SPIFFE IDs or DNS names providers must present.
Prints one line, READY {"egress":[…],"ingress":…,"http":[…]}, once it routes calls. Stops gracefully
on SIGTERM or SIGINT.`;

/** `meshlet agent`: runs until a signal, then stops gracefully. */
export const agentCommand: Command = { name: 'agent', usage: AGENT_USAGE, booleans: ['offline'], run: runAgent };

async function runAgent(args: Parsed, { out }: CommandIo): Promise<number> {
  if (args.positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args.positional[0])}`);
  const f = args.flags;
  const overrides: Record<string, unknown> = {};
  const set = (key: keyof AgentConfig, value: unknown) => {
    if (value !== undefined) overrides[key] = value;
  };
  set('registry', flagText(f, 'registry'));
  set('application', flagText(f, 'app'));
  set('host', flagText(f, 'host'));
  set('port', flagPort(f, 'port'));
  set('extraPorts', flagPorts(f, 'extra-ports'));
  set('httpPort', flagPort(f, 'http-port'));
  set('extraHttpPorts', flagPorts(f, 'extra-http-ports'));
  set('ingressHost', flagText(f, 'ingress-host'));
  set('ingressPort', flagPort(f, 'ingress-port'));
  set('advertiseHost', flagText(f, 'advertise-host'));
  set('tlsDir', flagText(f, 'tls-dir'));
  set('tlsMode', flagText(f, 'tls-mode'));
  set('upstreamIdentities', flagText(f, 'upstream-identities')?.split(',').map((s) => s.trim()).filter((s) => s !== ''));
  if (f.offline === true) overrides.online = false;
  const agent = await startAgent({ file: flagText(f, 'config'), overrides: overrides as Partial<AgentConfig> });
  out(`READY ${JSON.stringify(agent.addresses)}`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => {
        if (stopping) return;
        stopping = true;
        agent.stop().then(resolve, resolve);
      });
    }
  });
  return 0;
}
