// Not a test: measures what a call relayed by the agent costs, Triple against Dubbo in the same run.
// One agent process (the CLI), one provider and two consumers in this process; 1 KiB echo, 128 in
// flight, 3 s windows: calls/s direct and through the agent, and the agent process's CPU (user +
// system, /proc/<pid>/stat) per relayed call.
//   node test/sidecar/triple-relay-cost.js [--seconds 3] [--repeat 2]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defineService, t } from '@meshlet/core';
import { createMeshlet } from 'meshlet-rpc';
import { triple } from '@meshlet/transport-triple';
import { dubbo } from '@meshlet/transport-dubbo';
import { localRegistry, startAgent, waitFor } from './helpers.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, repeat: { type: 'string', default: '2' } } });
const seconds = Number(values.seconds);
const service = (p) => defineService({ interface: `cost.Echo${p}`, version: '1.0', protocol: p, methods: { echo: { params: [t.string], returns: t.string } } });
const registry = await localRegistry();
const agent = await startAgent({ registry });
const provider = createMeshlet({ application: 'cost', agent: false, registry, protocols: [triple(), dubbo()], server: { host: '127.0.0.1', port: 0 } });
for (const p of ['tri', 'dubbo']) provider.provide(service(p), { echo: async (s) => s });
await provider.start();
const viaAgent = createMeshlet({ agent: agent.url, registry: false, protocols: [triple(), dubbo()] });
const direct = createMeshlet({ agent: false, registry, protocols: [triple(), dubbo()] });
const body = 'x'.repeat(1024);
/** CPU ms of a process so far (clock ticks of 10 ms). */
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
async function load(ref, s) {
  let n = 0;
  const end = Date.now() + s * 1000;
  await Promise.all(Array.from({ length: 128 }, async () => {
    while (Date.now() < end) {
      await ref.echo(body);
      n++;
    }
  }));
  return n / s;
}
try {
  for (const p of ['tri', 'dubbo']) {
    const a = viaAgent.refer(service(p), { timeout: 10_000 });
    const d = direct.refer(service(p), { timeout: 10_000 });
    await waitFor(async () => (await a.echo('w')) === 'w', 20_000, 'the first call through the agent');
    await load(a, 1);
    await load(d, 1);
    for (let r = 0; r < Number(values.repeat); r++) {
      const directRate = await load(d, seconds);
      const c0 = cpuMs(agent.child.pid);
      const agentRate = await load(a, seconds);
      const perCall = ((cpuMs(agent.child.pid) - c0) * 1000) / (agentRate * seconds);
      console.log(JSON.stringify({ protocol: p, directCallsPerS: Math.round(directRate), viaAgentCallsPerS: Math.round(agentRate), agentCpuUsPerCall: +perCall.toFixed(1) }));
    }
  }
} finally {
  await viaAgent.stop(0);
  await direct.stop(0);
  await provider.stop(0);
  await agent.stop('SIGKILL');
}
