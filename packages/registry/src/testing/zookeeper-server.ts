// A real ZooKeeper (Debian's `zookeeper` package, run as a plain JVM) for tests: standalone, on a free
// 127.0.0.1 port, with a short tick so that short session timeouts are allowed.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';
import { ServerProcess, tcpExchange, waitUntil } from './server-process.js';

/**
 * Where Debian puts ZooKeeper: `zookeeper.jar` (package libzookeeper-java, pulled in by `zookeeper`)
 * names its dependencies in its manifest's Class-Path, so it is the whole class path. Override with
 * MESHLET_ZOOKEEPER_CLASSPATH (and MESHLET_JAVA for the java binary).
 */
export const ZOOKEEPER_CLASSPATH = process.env.MESHLET_ZOOKEEPER_CLASSPATH ?? '/usr/share/java/zookeeper.jar';
export const JAVA_BIN = process.env.MESHLET_JAVA ?? 'java';

export interface ZooKeeperServerOptions {
  /** ms; sessions may last between 2 and 20 ticks unless the bounds below say otherwise. Default 200. */
  readonly tickTime?: number;
  readonly maxSessionTimeout?: number;
  readonly port?: number;
  /** How long to wait for the server to serve, ms. Default 20 000. */
  readonly startTimeoutMs?: number;
}

/** A four-letter-word exchange (`srvr`, `ruok`, `cons`, ...). */
export function fourLetterWord(port: number, word: string, timeoutMs = 1000): Promise<string> {
  return tcpExchange(port, word, timeoutMs);
}

export class ZooKeeperServer {
  readonly port: number;
  readonly dir: string;
  readonly tickTime: number;
  readonly #options: ZooKeeperServerOptions;
  #process: ServerProcess | undefined;

  private constructor(port: number, dir: string, options: ZooKeeperServerOptions) {
    this.port = port;
    this.dir = dir;
    this.tickTime = options.tickTime ?? 200;
    this.#options = options;
  }

  static async start(options: ZooKeeperServerOptions = {}): Promise<ZooKeeperServer> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'meshlet-zookeeper-'));
    const server = new ZooKeeperServer(options.port ?? (await freePort()), dir, options);
    await mkdir(path.join(dir, 'data'));
    await writeFile(
      path.join(dir, 'zoo.cfg'),
      [
        `tickTime=${server.tickTime}`,
        `dataDir=${path.join(dir, 'data')}`,
        `clientPort=${server.port}`,
        'clientPortAddress=127.0.0.1',
        // No Jetty admin server (it would take port 8080) and no connection limit per client IP.
        'admin.enableServer=false',
        'maxClientCnxns=0',
        `minSessionTimeout=${2 * server.tickTime}`,
        `maxSessionTimeout=${options.maxSessionTimeout ?? 60_000}`,
        '4lw.commands.whitelist=srvr,ruok,cons,stat,mntr',
        // Fsync per write costs tens of ms on some disks; a test server does not need durability
        // beyond a clean restart.
        'forceSync=no',
        '',
      ].join('\n'),
    );
    await server.restart();
    return server;
  }

  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  get url(): string {
    return `zookeeper://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#process?.running ?? false;
  }

  /** Starts the server again on the same port and data (sessions and nodes survive a restart). */
  async restart(): Promise<void> {
    if (this.running) return;
    const proc = new ServerProcess(JAVA_BIN, [
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Dzookeeper.jmx.log4j.disable=true',
      '-cp',
      ZOOKEEPER_CLASSPATH,
      'org.apache.zookeeper.server.ZooKeeperServerMain',
      path.join(this.dir, 'zoo.cfg'),
    ]);
    this.#process = proc;
    await waitUntil(
      async () => /Mode: standalone/.test(await fourLetterWord(this.port, 'srvr', 500)),
      this.#options.startTimeoutMs ?? 20_000,
      `zookeeper on ${this.port}`,
      () => proc.running,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${proc.output}`);
    });
  }

  async stop(): Promise<void> {
    await this.#process?.stop('SIGTERM');
  }

  async kill(): Promise<void> {
    await this.#process?.stop('SIGKILL');
  }

  async close(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A plain ZooKeeper session for tests that play another ecosystem's part: it writes nodes the way
 * that ecosystem's own client would (its ephemeral nodes live until `close`).
 */
export class RawZooKeeper {
  readonly #client: import('node-zookeeper-client').Client;
  readonly #z: typeof import('node-zookeeper-client');

  private constructor(z: typeof import('node-zookeeper-client'), client: import('node-zookeeper-client').Client) {
    this.#z = z;
    this.#client = client;
  }

  static async connect(connectString: string, timeoutMs = 5000): Promise<RawZooKeeper> {
    const z = ((await import('node-zookeeper-client')) as unknown as { default: typeof import('node-zookeeper-client') }).default;
    const client = z.createClient(connectString, { sessionTimeout: 4000, spinDelay: 100 });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.close();
        reject(new Error(`no ZooKeeper session within ${timeoutMs} ms`));
      }, timeoutMs);
      client.once('connected', () => {
        clearTimeout(timer);
        resolve();
      });
      client.connect();
    });
    return new RawZooKeeper(z, client);
  }

  /** Creates `path` (parents persistent), ephemeral unless told otherwise. */
  async create(path: string, data?: Buffer, ephemeral = true): Promise<void> {
    const parent = path.slice(0, path.lastIndexOf('/'));
    if (parent) await this.#call<string>((cb) => this.#client.mkdirp(parent, cb));
    const mode = ephemeral ? this.#z.CreateMode.EPHEMERAL : this.#z.CreateMode.PERSISTENT;
    await this.#call<string>((cb) => (data ? this.#client.create(path, data, mode, cb) : this.#client.create(path, mode, cb)));
  }

  children(path: string): Promise<string[]> {
    return this.#call<string[]>((cb) => this.#client.getChildren(path, cb));
  }

  data(path: string): Promise<Buffer> {
    return this.#call<Buffer>((cb) => this.#client.getData(path, cb));
  }

  close(): void {
    this.#client.close();
  }

  #call<T>(fn: (cb: (err: unknown, result: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result))));
  }
}
