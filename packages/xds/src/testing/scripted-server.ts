// What the scripted xDS servers of the tests share: a grpc-js server whose bidi streams carry raw
// bytes, every request of every stream recorded (decoded), waits on them, and a handle on the
// newest stream to push to or break.
import * as grpc from '@grpc/grpc-js';

const raw = (b: Buffer) => b;

export class ScriptedServer<Req> {
  readonly server = new grpc.Server();
  /** requests[i] are the requests of stream i, in order. */
  readonly requests: Req[][] = [];
  private readonly calls: grpc.ServerDuplexStream<Buffer, Buffer>[] = [];
  private readonly waiters = new Set<() => void>();
  private nonce = 0;
  port = 0;

  /** `waitMs`: how long `until` and `request` wait by default. */
  protected constructor(private readonly waitMs: number) {}

  /** Serves the bidi method at `path` (full path), its requests read with `decode`. */
  protected serve(path: string, decode: (bytes: Buffer) => Req): void {
    const definition = { path, requestStream: true, responseStream: true, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw };
    this.server.addService({ Stream: definition }, {
      Stream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        const index = this.calls.push(call) - 1;
        this.requests[index] = [];
        call.on('data', (bytes: Buffer) => {
          this.requests[index]!.push(decode(bytes));
          this.wake();
        });
        call.on('error', () => undefined); // a client's cancel
        call.on('end', () => call.end());
        this.wake();
      },
    });
  }

  protected async bind(port: number, credentials: grpc.ServerCredentials): Promise<void> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${port}`, credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Resolves once `cond` holds, re-checked after each request or new stream; rejects after `ms`. */
  until(cond: () => boolean, what: string, ms = this.waitMs): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!cond()) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; requests: ${JSON.stringify(this.requests)}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The n-th request (0-based) of stream `stream`, once it has arrived. */
  async request(stream: number, n: number): Promise<Req> {
    await this.until(() => (this.requests[stream]?.length ?? 0) > n, `request ${n} of stream ${stream}`);
    return this.requests[stream]![n]!;
  }

  /** A fresh response nonce. */
  protected nextNonce(): string {
    return `n${++this.nonce}`;
  }

  pushRaw(bytes: Buffer): void {
    this.calls.at(-1)!.write(bytes);
  }

  /** Ends the newest stream with a status (UNAVAILABLE: as a restarting server would). */
  breakStream(code = grpc.status.UNAVAILABLE): void {
    const call = this.calls.at(-1)!;
    if (code === grpc.status.OK) call.end();
    else call.emit('error', Object.assign(new Error('going away'), { code, details: 'going away' }));
  }

  stop(): void {
    this.server.forceShutdown();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
