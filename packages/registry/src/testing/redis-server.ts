// Real redis-server processes for tests: a single server, a Sentinel, a Cluster, each on free
// 127.0.0.1 ports in a temporary directory, started and stopped by the test itself.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';
import { delay, ServerProcess, tcpExchange, waitUntil } from './server-process.js';

/** Debian's redis-server; override with MESHLET_REDIS_SERVER. */
export const REDIS_SERVER_BIN = process.env.MESHLET_REDIS_SERVER ?? '/usr/bin/redis-server';

/** Sends one inline command and resolves with the raw reply (first line, or the whole bulk). */
export function redisCommand(port: number, command: string, timeoutMs = 2000): Promise<string> {
  return tcpExchange(port, `${command}\r\n`, timeoutMs, (data) => isCompleteReply(data));
}

function isCompleteReply(data: string): boolean {
  if (!data.endsWith('\r\n')) return false;
  if (data.startsWith('$')) {
    const len = Number(data.slice(1, data.indexOf('\r\n')));
    return len < 0 || Buffer.byteLength(data) >= data.indexOf('\r\n') + 2 + len + 2;
  }
  return true;
}

export interface RedisServerOptions {
  /** Extra redis-server arguments (`--name value` pairs). */
  readonly args?: readonly string[];
  readonly port?: number;
  /** Working directory; a new temporary one by default (removed by `close`). */
  readonly dir?: string;
  /** How long to wait for PONG, ms. Default 10 000. */
  readonly startTimeoutMs?: number;
}

/** One redis-server on 127.0.0.1, no persistence (a restart starts empty, as a crashed cache would). */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  readonly #args: readonly string[];
  readonly #ownDir: boolean;
  readonly #startTimeoutMs: number;
  #process: ServerProcess | undefined;

  private constructor(port: number, dir: string, ownDir: boolean, options: RedisServerOptions) {
    this.port = port;
    this.dir = dir;
    this.#ownDir = ownDir;
    this.#args = options.args ?? [];
    this.#startTimeoutMs = options.startTimeoutMs ?? 10_000;
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'meshlet-redis-')));
    const server = new RedisServer(options.port ?? (await freePort()), dir, options.dir === undefined, options);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#process?.running ?? false;
  }

  get pid(): number | undefined {
    return this.#process?.process.pid;
  }

  /** Starts the server again on the same port (after `stop` or `kill`). */
  async restart(): Promise<void> {
    if (this.running) return;
    const proc = new ServerProcess(REDIS_SERVER_BIN, [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--save', '',
      '--appendonly', 'no',
      '--dir', this.dir,
      '--daemonize', 'no',
      '--loglevel', 'warning',
      ...this.#args,
    ]);
    this.#process = proc;
    await waitUntil(async () => (await redisCommand(this.port, 'PING', 500)).startsWith('+PONG'), this.#startTimeoutMs, `redis-server on ${this.port}`, () => proc.running).catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${proc.output}`);
      },
    );
  }

  /** Stops the server (SIGTERM: a clean shutdown, closing every connection). */
  async stop(): Promise<void> {
    await this.#process?.stop('SIGTERM');
  }

  /** Kills the server with SIGKILL, as a crash would. */
  async kill(): Promise<void> {
    await this.#process?.stop('SIGKILL');
  }

  /** Stops the server and removes its temporary directory. */
  async close(): Promise<void> {
    await this.stop();
    if (this.#ownDir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** A Sentinel watching one master (quorum 1) as `name`. */
export class RedisSentinel {
  readonly port: number;
  readonly #proc: ServerProcess;
  readonly #dir: string;

  private constructor(port: number, proc: ServerProcess, dir: string) {
    this.port = port;
    this.#proc = proc;
    this.#dir = dir;
  }

  static async start(masterPort: number, name = 'mymaster'): Promise<RedisSentinel> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'meshlet-sentinel-'));
    const port = await freePort();
    const conf = path.join(dir, 'sentinel.conf');
    // Sentinel rewrites its config file, so it must be a writable file of its own.
    await writeFile(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${name} 2000`,
        `sentinel failover-timeout ${name} 5000`,
        '',
      ].join('\n'),
    );
    const proc = new ServerProcess(REDIS_SERVER_BIN, [conf, '--sentinel', '--loglevel', 'warning']);
    const sentinel = new RedisSentinel(port, proc, dir);
    await waitUntil(
      async () => (await redisCommand(port, `SENTINEL get-master-addr-by-name ${name}`, 500)).includes(String(masterPort)),
      10_000,
      `redis sentinel on ${port}`,
      () => proc.running,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${proc.output}`);
    });
    return sentinel;
  }

  async close(): Promise<void> {
    await this.#proc.stop('SIGTERM');
    await rm(this.#dir, { recursive: true, force: true });
  }
}

/** A Redis Cluster of `size` masters (no replicas), the 16 384 slots split evenly. */
export class RedisCluster {
  readonly nodes: readonly RedisServer[];

  private constructor(nodes: readonly RedisServer[]) {
    this.nodes = nodes;
  }

  static async start(size = 3): Promise<RedisCluster> {
    const nodes: RedisServer[] = [];
    try {
      for (let i = 0; i < size; i++) {
        nodes.push(
          await RedisServer.start({
            args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'],
          }),
        );
      }
      const per = Math.ceil(16384 / size);
      for (let i = 0; i < size; i++) {
        const node = nodes[i] as RedisServer;
        const from = i * per;
        const to = Math.min(16383, from + per - 1);
        const reply = await redisCommand(node.port, `CLUSTER ADDSLOTSRANGE ${from} ${to}`);
        if (!reply.startsWith('+OK')) throw new Error(`CLUSTER ADDSLOTSRANGE on ${node.port}: ${reply.trim()}`);
        if (i > 0) await redisCommand(node.port, `CLUSTER MEET 127.0.0.1 ${(nodes[0] as RedisServer).port}`);
      }
      for (const node of nodes) {
        await waitUntil(async () => (await redisCommand(node.port, 'CLUSTER INFO', 500)).includes('cluster_state:ok'), 20_000, `cluster state on ${node.port}`);
      }
      // Every node must also know every other node's slots before clients ask for them.
      for (const node of nodes) {
        await waitUntil(
          async () => (await redisCommand(node.port, 'CLUSTER NODES', 500)).split('\n').filter((l) => / master /.test(l) || /master,/.test(l) || /myself,master/.test(l)).length >= size,
          20_000,
          `cluster topology on ${node.port}`,
        );
      }
      await delay(100);
      return new RedisCluster(nodes);
    } catch (err) {
      await Promise.all(nodes.map((n) => n.close()));
      throw err;
    }
  }

  get url(): string {
    return `redis+cluster://${this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`;
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.close()));
  }
}
