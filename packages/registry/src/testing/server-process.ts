import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

/** A server process started by a test: its output is kept (bounded) for error messages. */
export class ServerProcess {
  readonly process: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #output = '';

  constructor(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.process = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-16_384);
    };
    this.process.stdout!.on('data', keep);
    this.process.stderr!.on('data', keep);
    live.add(this.process);
    installExitHook();
    this.exited = new Promise((resolve) =>
      this.process.once('exit', (code, signal) => {
        live.delete(this.process);
        resolve({ code, signal });
      }),
    );
    // A launcher that fails to start (ENOENT) must not crash the test process.
    this.process.once('error', (err) => {
      this.#output += `\nspawn failed: ${err.message}`;
    });
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** The last 16 KiB the process printed. */
  get output(): string {
    return this.#output;
  }

  /** Sends `signal` and waits (at most `timeoutMs`) for the exit; SIGKILL if it is still there. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<void> {
    if (!this.running) return;
    this.process.kill(signal);
    const done = await Promise.race([this.exited.then(() => true), delay(timeoutMs).then(() => false)]);
    if (!done) {
      this.process.kill('SIGKILL');
      await this.exited;
    }
  }
}

const live = new Set<ChildProcess>();
let hooked = false;

/** A test process that ends (or crashes) without closing its servers still takes them along. */
function installExitHook(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Resolves once `check` resolves true; rejects after `timeoutMs` (or when `alive()` turns false). */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  alive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error(`${what}: the process exited`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await delay(25);
  }
}

/**
 * Sends `request` on a fresh TCP connection to 127.0.0.1:port and resolves with everything read
 * until the server closes, `done(data)` says so, or `timeoutMs` passes: enough for Redis inline
 * commands and ZooKeeper's four-letter words.
 */
export function tcpExchange(port: number, request: string, timeoutMs = 1000, done: (data: string) => boolean = () => false): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    const socket = connect(port, '127.0.0.1');
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(data);
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (d) => {
      data += d.toString('utf8');
      if (done(data)) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
  });
}
