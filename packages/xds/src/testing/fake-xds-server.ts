// A scripted state-of-the-world xDS server on grpc-js, for tests of xDS clients: it records every
// request of every stream (decoded) and lets a test push responses or break the stream. Not a
// control plane: tests against a real one use go-control-plane (test/xds/go).
import * as grpc from '@grpc/grpc-js';
import {
  decodeDiscoveryRequest,
  encodeDiscoveryResponse,
  type AnyResource,
  type DiscoveryRequest,
} from '../stream/xds-messages.js';

const raw = (b: Buffer) => b;

/** A scripted xDS server: every stream's requests, decoded, and a handle on the newest stream. */
export class FakeXdsServer {
  readonly server = new grpc.Server();

  /** `method`: the full path served, e.g. `/envoy.service.secret.v3.SecretDiscoveryService/StreamSecrets`. */
  constructor(private readonly method: string) {}

  /** requests[i] are the requests of stream i, in order. */
  readonly requests: DiscoveryRequest[][] = [];
  private calls: grpc.ServerDuplexStream<Buffer, Buffer>[] = [];
  private waiters = new Set<() => void>();
  private nonce = 0;
  port = 0;

  async start(): Promise<this> {
    this.server.addService(
      {
        Stream: {
          path: this.method,
          requestStream: true,
          responseStream: true,
          requestSerialize: raw,
          requestDeserialize: raw,
          responseSerialize: raw,
          responseDeserialize: raw,
        },
      },
      {
        Stream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
          const index = this.calls.push(call) - 1;
          this.requests[index] = [];
          call.on('data', (bytes: Buffer) => {
            this.requests[index]!.push(decodeDiscoveryRequest(bytes));
            this.wake();
          });
          call.on('error', () => undefined); // a client's cancel
          call.on('end', () => call.end());
          this.wake();
        },
      },
    );
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    return this;
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Resolves once `cond` holds, re-checked after each request or new stream; rejects after `ms`. */
  until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
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
  async request(stream: number, n: number): Promise<DiscoveryRequest> {
    await this.until(() => (this.requests[stream]?.length ?? 0) > n, `request ${n} of stream ${stream}`);
    return this.requests[stream]![n]!;
  }

  /** Sends a response on the newest stream; returns its nonce. */
  push(version: string, resources: readonly AnyResource[], typeUrl: string): string {
    const nonce = `n${++this.nonce}`;
    this.pushRaw(encodeDiscoveryResponse({ versionInfo: version, resources, typeUrl, nonce }));
    return nonce;
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

/** Polls `cond` every 10 ms until it holds; rejects after `ms` (for client-side states no event tells). */
export async function eventually(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
