import * as net from 'node:net';
import { EventEmitter } from 'node:events';
import { Code, RpcError, toRpcError, type TlsOptions } from '@meshlet/core';
import { connectTls } from '@meshlet/core/engine';
import { certificatesWithin } from './http.js';

/**
 * A protocol's heartbeat, as a health check sends it: the request frame, and a judge of what came
 * back. Supplied by whoever knows the protocol (the `meshlet` package wires the transports' own
 * encoders), so this package needs no transport.
 */
export interface HeartbeatProbe {
  /** `dubbo`, `bolt`, `motan2`. */
  readonly protocol: string;
  /** One heartbeat request. */
  request(): Uint8Array;
  /** `reply` once `bytes` start with a complete heartbeat reply to it, `more` while incomplete, `bad` for anything else. */
  reply(bytes: Buffer): 'reply' | 'more' | 'bad';
}

/** Finds the probe for a protocol. */
export type HeartbeatProbes = (protocol: string) => HeartbeatProbe | undefined;

/**
 * One heartbeat over a fresh connection: connect, send, wait for the reply, close. A fresh
 * connection each time checks what a reconnecting app would meet (the listener accepts) and leaves
 * nothing behind. Rejects with UNAVAILABLE saying what failed.
 */
export async function probeOnce(host: string, port: number, probe: HeartbeatProbe, timeoutMs: number, tls?: TlsOptions): Promise<void> {
  const where = `${host}:${port}`;
  // A TLS agent is probed over TLS, as the app's calls reach it (the engine's dialer).
  if (tls?.source) await certificatesWithin(tls, timeoutMs, `${probe.protocol} heartbeat to ${where}`);
  return new Promise((resolve, reject) => {
    const socket = tls ? connectTls(tls, host, port) : net.connect({ host, port });
    let received: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = (err?: RpcError) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new RpcError(Code.Unavailable, `${probe.protocol} heartbeat to ${where}: no reply within ${timeoutMs} ms`)), timeoutMs);
    socket.setNoDelay(true);
    socket.on(tls ? 'secureConnect' : 'connect', () => socket.write(probe.request()));
    socket.on('data', (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      let verdict: 'reply' | 'more' | 'bad';
      try {
        verdict = probe.reply(received);
      } catch {
        verdict = 'bad';
      }
      if (verdict === 'reply') finish();
      else if (verdict === 'bad') finish(new RpcError(Code.Unavailable, `${probe.protocol} heartbeat to ${where}: the answer is not a heartbeat reply`));
      else if (received.length > 64 * 1024) finish(new RpcError(Code.Unavailable, `${probe.protocol} heartbeat to ${where}: no reply in ${received.length} bytes`));
    });
    socket.on('error', (err) => finish(new RpcError(Code.Unavailable, `${probe.protocol} heartbeat to ${where}: ${err.message}`, { cause: err })));
    socket.on('close', () => finish(new RpcError(Code.Unavailable, `${probe.protocol} heartbeat to ${where}: connection closed before the reply`)));
  });
}

export interface HealthMonitorOptions {
  /** Between checks, ms (3000). */
  readonly intervalMs?: number;
  /** Quick re-checks after a failure before the target counts as down (2, as motan's weibomesh registry). */
  readonly retries?: number;
  /** Between those re-checks, ms (100). */
  readonly retryDelayMs?: number;
}

export interface HealthEvents {
  /** The verdict changed; `error` says why when it is down. */
  change: [up: boolean, error: RpcError | undefined];
}

/**
 * Runs a check on a timer and keeps a verdict: up after one success, down after a failure and
 * `retries` failed re-checks (a single lost heartbeat is not an outage). Emits `change` on every
 * flip. Checks never overlap; the timer does not keep the process alive.
 */
export class HealthMonitor extends EventEmitter<HealthEvents> {
  #up: boolean | undefined;
  #lastError: RpcError | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<boolean> | undefined;
  #stopped = false;
  readonly #intervalMs: number;
  readonly #retries: number;
  readonly #retryDelayMs: number;

  constructor(private readonly check: () => Promise<void>, options: HealthMonitorOptions = {}) {
    super();
    this.#intervalMs = options.intervalMs ?? 3000;
    this.#retries = options.retries ?? 2;
    this.#retryDelayMs = options.retryDelayMs ?? 100;
  }

  /** Undefined before the first check completes. */
  get up(): boolean | undefined {
    return this.#up;
  }

  get lastError(): RpcError | undefined {
    return this.#lastError;
  }

  /** Checks now (or joins the check under way) and starts the timer; resolves with the verdict. */
  start(): Promise<boolean> {
    const first = this.checkNow();
    if (this.#timer === undefined && !this.#stopped) {
      this.#timer = setInterval(() => void this.checkNow(), this.#intervalMs);
      this.#timer.unref();
    }
    return first;
  }

  /** One check (with its re-checks on failure), unless one is running: then its verdict. */
  checkNow(): Promise<boolean> {
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
    return this.#running;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #run(): Promise<boolean> {
    let error: RpcError | undefined;
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, this.#retryDelayMs));
      if (this.#stopped) return this.#up ?? false;
      try {
        await this.check();
        error = undefined;
        break;
      } catch (err) {
        error = toRpcError(err, Code.Unavailable);
        // Already down: one failure is enough to stay down; no point re-checking quickly.
        if (this.#up === false) break;
      }
    }
    if (this.#stopped) return this.#up ?? false;
    const up = error === undefined;
    this.#lastError = error;
    if (up !== this.#up) {
      this.#up = up;
      this.emit('change', up, error);
    }
    return up;
  }
}
