import { connect, type Socket } from 'node:net';
import { FrameReader, type FrameSplitter } from '../engine/frame-reader.js';

/**
 * A raw TCP peer for tests: sends bytes, collects whole frames, notices close.
 * Each transport binds its own splitter (see its `wire.fixture.ts`); the rest is protocol-neutral.
 */
export class RawPeer {
  readonly frames: Buffer[] = [];
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket, splitter: FrameSplitter) {
    // Far above any transport's limit, so the peer never refuses what a server under test sends.
    const reader = new FrameReader(splitter, 64 * 1024 * 1024);
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk, (f) => this.frames.push(Buffer.from(f)));
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number, splitter: FrameSplitter): Promise<RawPeer> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawPeer(socket, splitter);
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /**
   * Resolves with the n-th frame (0-based) once it arrives; rejects after `ms`. The default bound
   * only stops a failing test from hanging: a loaded CI machine can take seconds, and a passing
   * test never waits for it.
   */
  async frame(n: number, ms = 10_000): Promise<Buffer> {
    await this.until(() => this.frames.length > n, ms, `frame #${n}`);
    return this.frames[n]!;
  }

  async untilClosed(ms = 10_000): Promise<void> {
    await this.until(() => this.closed, ms, 'close');
  }

  private async until(ok: () => boolean, ms: number, what: string): Promise<void> {
    const end = Date.now() + ms;
    while (!ok()) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  close(): void {
    this.socket.destroy();
  }
}
