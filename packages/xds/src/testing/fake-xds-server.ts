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
import { ScriptedServer } from './scripted-server.js';

/** A scripted xDS server: every stream's requests, decoded, and a handle on the newest stream. */
export class FakeXdsServer extends ScriptedServer<DiscoveryRequest> {
  /** `method`: the full path served, e.g. `/envoy.service.secret.v3.SecretDiscoveryService/StreamSecrets`. */
  constructor(private readonly method: string) {
    super(5000);
  }

  async start(): Promise<this> {
    this.serve(this.method, decodeDiscoveryRequest);
    await this.bind(0, grpc.ServerCredentials.createInsecure());
    return this;
  }

  /** Sends a response on the newest stream; returns its nonce. */
  push(version: string, resources: readonly AnyResource[], typeUrl: string): string {
    const nonce = this.nextNonce();
    this.pushRaw(encodeDiscoveryResponse({ versionInfo: version, resources, typeUrl, nonce }));
    return nonce;
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
