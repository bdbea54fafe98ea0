// A small network for the network-fault suite: one namespace per party (consumer, providers,
// registry), each joined by a veth pair to a hub namespace where `netsim` (a userspace switch,
// ./netsim) forwards frames between them and delays, drops or black-holes the packets of chosen
// pairs. Kernel netem would do the same, but it is a module some kernels lack (the VM this suite
// was written on has no sch_netem, nor prio); the switch needs only network namespaces. Root only; everything is
// deleted on close, and on process exit if a test died before its `after` ran.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cached } from '../fleet/lib/cache.js';
import { goEnv } from '../fleet/lib/go.js';
import { run } from '../fleet/lib/run.js';
import { requireTool } from '../fleet/lib/toolchain.js';
import { deleteNamespaces, netnsUnavailable, nodeIn } from '../install/lib/netns.js';

export { netnsUnavailable, nodeIn };

const netsimDir = fileURLToPath(new URL('./netsim/', import.meta.url));

/**
 * Why the suite cannot run here (not root, namespaces not permitted), or undefined. A missing Go
 * is no reason to skip: building netsim fails with the line that installs it, as the fleet does.
 */
export const lanUnavailable = netnsUnavailable;

/** Builds netsim once per content hash (in the fleet cache); resolves with the binary's path. */
export async function netsimBinary() {
  requireTool('go');
  const dir = await cached('netsim', [netsimDir], async (out) => {
    await run('go', ['build', '-o', join(out, 'netsim'), '.'], { cwd: netsimDir, env: goEnv() });
  });
  return join(dir, 'netsim');
}

function ip(...args) {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

const live = new Set();
process.once('exit', () => {
  for (const lan of live) lan.destroy();
});

/**
 * Creates the namespaces of `parties` (names such as 'consumer', 'p1'), each with one address on
 * a private /24, all reachable from each other through the hub's switch.
 */
export async function createLan(parties) {
  const binary = await netsimBinary();
  const tag = `${process.pid % 100000}${Math.floor(Math.random() * 100)}`;
  const subnet = `10.${200 + Math.floor(Math.random() * 50)}.${1 + Math.floor(Math.random() * 250)}`;
  const hub = `mlhub${tag}`;
  const lan = new Lan(hub);
  live.add(lan);
  try {
    ip('netns', 'add', hub);
    lan.namespaces.push(hub);
    const hubPorts = [];
    parties.forEach((party, i) => {
      const ns = `ml${i}n${tag}`;
      ip('netns', 'add', ns);
      lan.namespaces.push(ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      const port = `h${i}`;
      ip('-n', hub, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('-n', hub, 'link', 'set', port, 'up');
      ip('-n', ns, 'addr', 'add', `${subnet}.${i + 1}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      hubPorts.push(port);
      lan.parties.set(party, { ns, address: `${subnet}.${i + 1}` });
    });
    await lan.startSwitch(binary, hubPorts);
  } catch (err) {
    lan.destroy();
    throw err;
  }
  return lan;
}

class Lan {
  /** party → { ns, address } */
  parties = new Map();
  namespaces = [];
  #switch;
  #replies = [];
  #out = '';

  constructor(hub) {
    this.hub = hub;
  }

  ns(party) {
    return this.#party(party).ns;
  }

  address(party) {
    return this.#party(party).address;
  }

  #party(party) {
    const p = this.parties.get(party);
    if (!p) throw new Error(`no party ${party}`);
    return p;
  }

  async startSwitch(binary, ports) {
    const child = spawn('ip', ['netns', 'exec', this.hub, binary, ...ports], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#switch = child;
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`netsim: no READY in 10 s; ${err}`)), 10_000);
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`netsim exited ${code}: ${err}`)); });
      child.stdout.on('data', (d) => {
        this.#out += d;
        let nl;
        while ((nl = this.#out.indexOf('\n')) >= 0) {
          const line = this.#out.slice(0, nl);
          this.#out = this.#out.slice(nl + 1);
          if (line === 'READY') { clearTimeout(timer); resolve(); } else this.#replies.shift()?.(line);
        }
      });
    });
  }

  #command(line) {
    return new Promise((resolve, reject) => {
      this.#replies.push((reply) => (reply.startsWith('error') ? reject(new Error(`netsim: ${line}: ${reply}`)) : resolve(reply)));
      this.#switch.stdin.write(`${line}\n`);
    });
  }

  /** Delays (ms, one way) and drops (percent) the packets between `a` and `b`, both ways. */
  async impair(a, b, { delayMs = 0, lossPercent = 0 } = {}) {
    await this.#command(`set ${this.address(a)} ${this.address(b)} ${delayMs} ${lossPercent}`);
    await this.#command(`set ${this.address(b)} ${this.address(a)} ${delayMs} ${lossPercent}`);
  }

  /** Black-holes every packet between `a` and `b` (no reset, no ICMP: a cut cable). */
  partition(a, b) {
    return this.impair(a, b, { lossPercent: 100 });
  }

  heal(a, b) {
    return this.impair(a, b);
  }

  /** `{ forwarded, dropped }` frames so far. */
  async stats() {
    const [, forwarded, dropped] = (await this.#command('stats')).split(' ');
    return { forwarded: Number(forwarded), dropped: Number(dropped) };
  }

  /** Runs `node args…` in `party`'s namespace (see install/lib/netns.js `nodeIn`). */
  node(party, args, options = {}) {
    return nodeIn(this.ns(party), args, { cwd: options.cwd, env: { ...process.env, ...options.env } });
  }

  /** Stops the switch and deletes every namespace (their veth ends go with them). Idempotent. */
  destroy() {
    live.delete(this);
    if (this.#switch && this.#switch.exitCode === null && this.#switch.signalCode === null) this.#switch.kill('SIGKILL');
    deleteNamespaces(this.namespaces.splice(0));
  }
}

/**
 * Runs `node script args…` in `party`'s namespace as a JSON-lines service: `request(op, args)`
 * writes `{ id, op, ...args }` and resolves with the answer line's `result` (rejects on `error`).
 */
export async function controlled(lan, party, script, args = [], env = {}) {
  const child = spawn('ip', ['netns', 'exec', lan.ns(party), process.execPath, script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  let seq = 0;
  const waiting = new Map();
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  exited.then(({ code, signal }) => {
    for (const w of waiting.values()) w.reject(new Error(`${party} exited (${code ?? signal}): ${err}`));
    waiting.clear();
  });
  child.stderr.on('data', (d) => (err = (err + d).slice(-8000)));
  child.stdout.on('data', (d) => {
    out += d;
    let nl;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        continue; // a stray log line
      }
      const w = waiting.get(msg.id);
      if (!w) continue;
      waiting.delete(msg.id);
      if (msg.error) w.reject(new Error(`${party}: ${msg.error}`));
      else w.resolve(msg.result);
    }
  });
  return {
    child,
    exited,
    stderr: () => err,
    request(op, params = {}) {
      const id = ++seq;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.stdin.write(`${JSON.stringify({ id, op, ...params })}\n`);
      });
    },
    /** Closes stdin (the process stops itself), SIGKILL after `ms`. */
    async close(ms = 5000) {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * A standalone ZooKeeper (Debian's, as packages/registry's test servers) in `party`'s namespace on
 * its address, port 2181, tick 200 ms (sessions of 0.4 to 60 s allowed). Resolves once a client
 * in `probeFrom`'s namespace gets `srvr` answered. `close()` kills it and removes its files.
 */
export async function zookeeperIn(lan, party, probeFrom) {
  const { mkdtempSync, mkdirSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { ZOOKEEPER_CLASSPATH, JAVA_BIN } = await import('../../packages/registry/dist/testing/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-netem-zk-'));
  mkdirSync(join(dir, 'data'));
  const host = lan.address(party);
  writeFileSync(join(dir, 'zoo.cfg'), [
    'tickTime=200', `dataDir=${join(dir, 'data')}`, 'clientPort=2181', `clientPortAddress=${host}`,
    'admin.enableServer=false', 'maxClientCnxns=0', 'minSessionTimeout=400', 'maxSessionTimeout=60000',
    '4lw.commands.whitelist=srvr', 'forceSync=no', '',
  ].join('\n'));
  const child = spawn('ip', ['netns', 'exec', lan.ns(party), JAVA_BIN, '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
    '-Dzookeeper.jmx.log4j.disable=true', '-cp', ZOOKEEPER_CLASSPATH, 'org.apache.zookeeper.server.ZooKeeperServerMain', join(dir, 'zoo.cfg')],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d) => (output = (output + d).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const close = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const probe = lan.node(probeFrom, ['-e', `
    const net = require('node:net');
    const deadline = Date.now() + 30000;
    (function attempt() {
      const s = net.connect(2181, ${JSON.stringify(host)});
      let got = '';
      s.on('connect', () => s.write('srvr'));
      s.on('data', (d) => (got += d));
      s.on('error', () => {});
      s.on('close', () => {
        if (/Mode: standalone/.test(got)) process.exit(0);
        if (Date.now() > deadline) process.exit(1);
        setTimeout(attempt, 200);
      });
    })();`]);
  const { code } = await probe.exited;
  if (code !== 0) {
    close();
    throw new Error(`ZooKeeper in ${party} did not serve within 30 s:\n${output}`);
  }
  return { url: `zookeeper://${host}:2181`, close, output: () => output };
}
