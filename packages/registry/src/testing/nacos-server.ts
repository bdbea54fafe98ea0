// A Nacos-protocol server for tests, on free 127.0.0.1 ports in a temporary data directory.
//
// Nacos 2.x's own server modules are NOT on Maven Central (only the client-side artifacts and the
// `nacos-all` parent pom are; `nacos-console`/`nacos-naming`/`nacos-core` 2.x are refused, their last
// published versions are 0.x), and the release zip is only on GitHub, which this machine cannot
// reach. What installs from a registry here is r-nacos (crates.io `rnacos`), an independent
// server that speaks Nacos' v1 open HTTP API and 2.x gRPC API: `cargo install rnacos --version
// 0.8.8 --locked --root .cache/rnacos` (see `nacosServerBin`). It is not Apache Nacos: a suite that
// must prove interop with Nacos itself needs the real server (see the registry README).
import { existsSync, rmSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { freePort } from './free-port.js';
import { ServerProcess, waitUntil } from './server-process.js';

/** The repository's git-ignored cache, where `cargo install --root .cache/rnacos` puts the binary. */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Where `cargo install rnacos --version 0.8.8 --locked --root <dir>` may have put the server. */
const CANDIDATES = [
  path.join(REPO_ROOT, '.cache', 'rnacos', 'bin', 'rnacos'),
  // Outside the clone, so a fresh clone on the same machine (CI's) finds it without a 15-minute build.
  path.join(os.homedir(), '.cache', 'meshlet', 'rnacos', 'bin', 'rnacos'),
];

/** The server binary: MESHLET_NACOS_SERVER, else the first candidate that exists (else the first). */
export function nacosServerBin(): string {
  return process.env.MESHLET_NACOS_SERVER ?? CANDIDATES.find((c) => existsSync(c)) ?? (CANDIDATES[0] as string);
}

/** Undefined when the server can run here, else why not (for a test's skip message). */
export function nacosServerMissing(): string | undefined {
  const bin = nacosServerBin();
  return existsSync(bin) ? undefined : `no Nacos server at ${bin} (cargo install rnacos --version 0.8.8 --locked --root .cache/rnacos)`;
}

export interface NacosServerOptions {
  /** Turns on the open API's auth with this admin account (login at /nacos/v1/auth/login). */
  readonly auth?: { readonly username: string; readonly password: string };
  /** An instance without heartbeats turns unhealthy after this many seconds. Default 15 (Nacos' default). */
  readonly healthTimeoutSec?: number;
  /** ...and is deleted after this many. Default 30. */
  readonly instanceTimeoutSec?: number;
  /** How long to wait for readiness, ms. Default 30 000. */
  readonly startTimeoutMs?: number;
}

/** Settled data directories per auth setting (see NacosServer.#template). */
const TEMPLATES = new Map<string, Promise<string>>();

/** Nacos 2.x clients (Java's nacos-client, Dubbo 3's) always dial gRPC at the HTTP port + 1000. */
export const GRPC_PORT_OFFSET = 1000;

export class NacosServer {
  /** HTTP port (Nacos' 8848); gRPC is `grpcPort`, always `port + 1000` as Nacos 2.x clients expect. */
  readonly port: number;
  readonly grpcPort: number;
  readonly consolePort: number;
  readonly dir: string;
  readonly #options: NacosServerOptions;
  #process: ServerProcess | undefined;
  /** ms from spawn to ready, of the last (re)start. */
  startedInMs = 0;

  private constructor(port: number, grpcPort: number, consolePort: number, dir: string, options: NacosServerOptions) {
    this.port = port;
    this.grpcPort = grpcPort;
    this.consolePort = consolePort;
    this.dir = dir;
    this.#options = options;
  }

  static async start(options: NacosServerOptions = {}): Promise<NacosServer> {
    const missing = nacosServerMissing();
    if (missing) throw new Error(missing);
    const template = await NacosServer.#template(options);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'meshlet-nacos-'));
    const port = await freePortPair();
    const server = new NacosServer(port, port + GRPC_PORT_OFFSET, await freePort(), dir, options);
    try {
      await cp(template, path.join(dir, 'data'), { recursive: true });
      await server.restart();
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  /**
   * A settled data directory to start each server from, made once per process (and per auth
   * setting). r-nacos initializes an empty raft store with writes right at start, which race its
   * own apply actor's wiring and panic it in ~2 starts of 3 on this loaded machine (see
   * `restart`); a store that is already initialized has none of those writes (measured: 0 of 20
   * starts from a copy panicked, leader in ~100 ms, writes kept).
   */
  static #template(options: NacosServerOptions): Promise<string> {
    const key = JSON.stringify(options.auth ?? null);
    let made = TEMPLATES.get(key);
    if (!made) {
      made = (async () => {
        const dir = await mkdtemp(path.join(os.tmpdir(), 'meshlet-nacos-template-'));
        process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
        const port = await freePortPair();
        const maker = new NacosServer(port, port + GRPC_PORT_OFFSET, await freePort(), dir, { auth: options.auth, startTimeoutMs: options.startTimeoutMs });
        try {
          await maker.restart();
        } finally {
          await maker.stop(); // SIGTERM: the store is flushed
        }
        return path.join(dir, 'data');
      })();
      TEMPLATES.set(key, made);
      made.catch(() => TEMPLATES.delete(key));
    }
    return made;
  }

  /** `nacos://127.0.0.1:port` plus `query` (e.g. `?namespace=x`). */
  url(query = ''): string {
    return `nacos://127.0.0.1:${this.port}${query}`;
  }

  get running(): boolean {
    return this.#process?.running ?? false;
  }

  /** Starts it again on the same ports and data directory (after `stop` or `kill`). */
  async restart(): Promise<void> {
    if (this.running) return;
    const o = this.#options;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: this.dir,
      RNACOS_HTTP_PORT: String(this.port),
      RNACOS_GRPC_PORT: String(this.grpcPort),
      RNACOS_HTTP_CONSOLE_PORT: String(this.consolePort),
      RNACOS_SDK_HOST: '127.0.0.1',
      RNACOS_CONSOLE_HOST: '127.0.0.1',
      RNACOS_DATA_DIR: path.join(this.dir, 'data'),
      RNACOS_RAFT_NODE_ADDR: `127.0.0.1:${this.grpcPort}`,
      RNACOS_HTTP_WORKERS: '2',
      RNACOS_NAMING_HEALTH_TIMEOUT_SECOND: String(o.healthTimeoutSec ?? 15),
      RNACOS_NAMING_INSTANCE_TIMEOUT_SECOND: String(o.instanceTimeoutSec ?? 30),
      RNACOS_ENABLE_OPEN_API_AUTH: o.auth ? 'true' : 'false',
      ...(o.auth ? { RNACOS_INIT_ADMIN_USERNAME: o.auth.username, RNACOS_INIT_ADMIN_PASSWORD: o.auth.password } : {}),
      RUST_LOG: 'warn',
    };
    const t0 = performance.now();
    // r-nacos 0.8.8 races itself at start: its raft apply actor can get a request before it is
    // wired and panic (raftapply.rs:421, unwrap on None, ~20 ms after spawn: 1 start in 4 on this
    // loaded machine, three in a row seen once in 6 suite runs), after which every config write is
    // answered `true` and dropped. A start that panics is started again at once (up to 10 starts:
    // a panic shows within ~50 ms), one that is not ready within a third of the budget up to 3
    // times (a healthy start takes 0.3-1.5 s here).
    const budget = o.startTimeoutMs ?? 30_000;
    let panics = 0;
    let slow = 0;
    for (;;) {
      this.#lastRaft = '';
      this.#readyToken = undefined;
      // cwd = the temp dir: the server reads a `.env` file from its working directory.
      const proc = new ServerProcess(nacosServerBin(), [], { cwd: this.dir, env });
      this.#process = proc;
      const panicked = () => proc.output.includes('panicked');
      try {
        await waitUntil(async () => this.#ready(), budget / 3, `nacos server on ${this.port}`, () => proc.running && !panicked());
        break;
      } catch (err) {
        await proc.stop('SIGKILL');
        if (panicked()) panics++;
        else slow++;
        if (panics >= 10 || slow >= 3) throw new Error(`${(err as Error).message} (${panics + slow} starts, ${panics} panicked)\n${proc.output}`);
        // A first start's store is nothing to keep, and a half-applied one may not settle again.
        if (!this.#started) await rm(env.RNACOS_DATA_DIR as string, { recursive: true, force: true });
      }
    }
    this.#started = true;
    this.startedInMs = performance.now() - t0;
  }

  /**
   * Ready = the naming API answers a list query, the raft store has settled and a config write
   * reads back (r-nacos answers `true` to writes it then drops, see `restart`), and with auth on,
   * the admin can log in (the user store starts later).
   */
  async #ready(): Promise<boolean> {
    const auth = this.#options.auth;
    let token: Record<string, string> = {};
    if (auth) {
      // Logged in once per start: each login is a raft entry, which would keep the store from settling.
      if (this.#readyToken === undefined) {
        const login = await fetch(`http://127.0.0.1:${this.port}/nacos/v1/auth/login?${new URLSearchParams(auth).toString()}`, { method: 'POST', signal: AbortSignal.timeout(2000) });
        const body = await login.text();
        if (!login.ok || !body.includes('accessToken')) return false;
        this.#readyToken = (JSON.parse(body) as { accessToken: string }).accessToken;
      }
      token = { accessToken: this.#readyToken };
    }
    const res = await fetch(`http://127.0.0.1:${this.port}/nacos/v1/ns/instance/list?${new URLSearchParams({ serviceName: 'meshlet.ready', groupName: 'DEFAULT_GROUP', ...token })}`, {
      signal: AbortSignal.timeout(500),
    });
    await res.text();
    if (res.status >= 500) return false;
    if (!(await this.#raftSettled(token))) return false;
    return this.#configKeeps(token);
  }

  #lastRaft = '';
  #readyToken: string | undefined;
  /** Ready once: later starts keep the data directory (the configs a test wrote). */
  #started = false;

  /**
   * r-nacos' raft store applies its own start-up entries first (~0.5 s), and a config write before
   * that is answered `true` and lost. So: leader, everything appended applied, beyond the first
   * entry, and the same for two polls in a row (the start-up entries come ~300 ms apart).
   */
  async #raftSettled(token: Record<string, string>): Promise<boolean> {
    const res = await fetch(`http://127.0.0.1:${this.port}/nacos/v1/raft/metrics?${new URLSearchParams(token)}`, { signal: AbortSignal.timeout(500) });
    const text = await res.text();
    if (!res.ok) return false;
    let m: { state?: unknown; last_log_index?: unknown; last_applied?: unknown };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return false;
    }
    const settled = m.state === 'Leader' && typeof m.last_applied === 'number' && m.last_applied > 1 && m.last_applied === m.last_log_index;
    const same = text === this.#lastRaft;
    this.#lastRaft = text;
    if (!settled || !same) {
      await new Promise((r) => setTimeout(r, 150));
      return false;
    }
    return true;
  }

  /** Writes a probe config, reads it back, deletes it. */
  async #configKeeps(token: Record<string, string>): Promise<boolean> {
    const config = `http://127.0.0.1:${this.port}/nacos/v1/cs/configs`;
    const key = { dataId: 'meshlet.ready', group: 'meshlet-test', ...token };
    const stamp = String(performance.now());
    const put = await fetch(`${config}?${new URLSearchParams({ ...key, content: stamp })}`, { method: 'POST', signal: AbortSignal.timeout(1000) });
    await put.text();
    if (!put.ok) return false;
    const got = await fetch(`${config}?${new URLSearchParams(key)}`, { signal: AbortSignal.timeout(1000) });
    if ((await got.text()) !== stamp) return false;
    await (await fetch(`${config}?${new URLSearchParams(key)}`, { method: 'DELETE', signal: AbortSignal.timeout(1000) })).text();
    return true;
  }

  async stop(): Promise<void> {
    await this.#process?.stop('SIGTERM');
  }

  /** SIGKILL, as a crash would. */
  async kill(): Promise<void> {
    await this.#process?.stop('SIGKILL');
  }

  async close(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A free HTTP port whose +1000 is free too (a Java client finds gRPC only there). Ports the OS
 * hands out sit high in the ephemeral range, so the +1000 may not exist: those are skipped.
 */
async function freePortPair(attempts = 50): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const port = await freePort();
    if (port + GRPC_PORT_OFFSET > 65535) continue;
    if (await canBind(port + GRPC_PORT_OFFSET)) return port;
  }
  throw new Error(`no free port pair (p, p+${GRPC_PORT_OFFSET}) on 127.0.0.1 after ${attempts} tries`);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
