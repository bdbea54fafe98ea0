// An in-process ADS server on grpc-js for the client's unit tests: serves both methods (SotW and
// delta) with raw bytes, records every request decoded with Envoy's protos, lets a test push
// responses on the newest stream, break it, or stop the server.
import * as grpc from '@grpc/grpc-js';
import { envoyRoot } from '../protos/envoy-root.js';
import { ScriptedServer } from '../testing/scripted-server.js';
import { ADS_DELTA_METHOD, ADS_SOTW_METHOD, decodeDeltaRequest, decodeSotwRequest, encodeDeltaResponse, encodeSotwResponse, type DeltaRequest, type DeltaResource, type SotwRequest } from './messages.js';

export type AnyRequest = (SotwRequest | DeltaRequest) & Record<string, unknown>;

/** `{ type_url, value }` of a resource built from its object form with Envoy's protos. */
export function anyOf(typeUrl: string, object: Record<string, unknown>): { type_url: string; value: Buffer } {
  const type = envoyRoot().lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  return { type_url: typeUrl, value: Buffer.from(type.encode(type.fromObject(object)).finish()) };
}

export class FakeAdsServer extends ScriptedServer<AnyRequest> {
  constructor() {
    super(10_000);
  }

  async start(port = 0, credentials = grpc.ServerCredentials.createInsecure()): Promise<this> {
    this.serve(ADS_SOTW_METHOD, (bytes) => decodeSotwRequest(bytes) as AnyRequest);
    this.serve(ADS_DELTA_METHOD, (bytes) => decodeDeltaRequest(bytes) as AnyRequest);
    await this.bind(port, credentials);
    return this;
  }

  pushSotw(typeUrl: string, version: string, resources: { type_url: string; value: Uint8Array }[]): string {
    const nonce = this.nextNonce();
    this.pushRaw(encodeSotwResponse({ typeUrl, versionInfo: version, resources, nonce }));
    return nonce;
  }

  pushDelta(typeUrl: string, resources: DeltaResource[], removedResources: string[] = []): string {
    const nonce = this.nextNonce();
    this.pushRaw(encodeDeltaResponse({ typeUrl, systemVersionInfo: '', resources, removedResources, nonce }));
    return nonce;
  }
}
