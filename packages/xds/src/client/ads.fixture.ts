// An in-process ADS server on grpc-js for the client's unit tests: serves both methods (SotW and
// delta) with raw bytes, records every request decoded with Envoy's protos, lets a test push
// responses on the newest stream, break it, or stop the server.
import * as grpc from '@grpc/grpc-js';
import { envoyRoot } from '../protos/envoy-root.js';
import { ADS_DELTA_METHOD, ADS_SOTW_METHOD, decodeDeltaRequest, decodeSotwRequest, encodeDeltaResponse, encodeSotwResponse, type DeltaRequest, type DeltaResource, type SotwRequest } from './messages.js';

const raw = (b: Buffer) => b;
const method = (path: string) => ({ path, requestStream: true, responseStream: true, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw });

export type AnyRequest = (SotwRequest | DeltaRequest) & Record<string, unknown>;

/** `{ type_url, value }` of a resource built from its object form with Envoy's protos. */
export function anyOf(typeUrl: string, object: Record<string, unknown>): { type_url: string; value: Buffer } {
  const type = envoyRoot().lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  return { type_url: typeUrl, value: Buffer.from(type.encode(type.fromObject(object)).finish()) };
}

export class FakeAdsServer {
  readonly server = new grpc.Server();
  readonly requests: AnyRequest[][] = [];
  private calls: grpc.ServerDuplexStream<Buffer, Buffer>[] = [];
  private waiters = new Set<() => void>();
  private nonce = 0;
  port = 0;

  async start(port = 0, credentials = grpc.ServerCredentials.createInsecure()): Promise<this> {
    const handler = (delta: boolean) => (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      const index = this.calls.push(call) - 1;
      this.requests[index] = [];
      call.on('data', (bytes: Buffer) => {
        this.requests[index]!.push((delta ? decodeDeltaRequest(bytes) : decodeSotwRequest(bytes)) as AnyRequest);
        this.wake();
      });
      call.on('error', () => undefined);
      call.on('end', () => call.end());
      this.wake();
    };
    this.server.addService({ Sotw: method(ADS_SOTW_METHOD), Delta: method(ADS_DELTA_METHOD) }, { Sotw: handler(false), Delta: handler(true) });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${port}`, credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
    return this;
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
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

  async request(stream: number, n: number): Promise<AnyRequest> {
    await this.until(() => (this.requests[stream]?.length ?? 0) > n, `request ${n} of stream ${stream}`);
    return this.requests[stream]![n]!;
  }

  pushSotw(typeUrl: string, version: string, resources: { type_url: string; value: Uint8Array }[]): string {
    const nonce = `n${++this.nonce}`;
    this.calls.at(-1)!.write(encodeSotwResponse({ typeUrl, versionInfo: version, resources, nonce }));
    return nonce;
  }

  pushDelta(typeUrl: string, resources: DeltaResource[], removedResources: string[] = []): string {
    const nonce = `n${++this.nonce}`;
    this.calls.at(-1)!.write(encodeDeltaResponse({ typeUrl, systemVersionInfo: '', resources, removedResources, nonce }));
    return nonce;
  }

  pushRaw(bytes: Buffer): void {
    this.calls.at(-1)!.write(bytes);
  }

  breakStream(): void {
    this.calls.at(-1)!.emit('error', Object.assign(new Error('going away'), { code: grpc.status.UNAVAILABLE, details: 'going away' }));
  }

  stop(): void {
    this.server.forceShutdown();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
