// TlsSources a cluster's TLS reads: an SDS secret watched over the mesh's own ADS stream (rotates
// when the control plane pushes a new one), and one source joining a certificate from one place
// and roots from another (gRPC lets the two come from different provider instances or secrets).
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { Code, RpcError, type TlsMaterial, type TlsSource } from '@meshlet/core';
import { SECRET } from '../type-urls.js';
import type { XdsWatchSource } from './reference-watch.js';
import { obj, str, type Obj } from './values.js';

/** What a secret gives: a certificate with its key, or roots. */
export interface SecretMaterial {
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
}

/** How long `ready()` waits for a first good secret (the runtime's calls wait within their own deadlines anyway). */
const READY_MS = 15_000;

class Listeners {
  private readonly set = new Set<() => void>();
  add(l: () => void): () => void {
    this.set.add(l);
    return () => this.set.delete(l);
  }
  emit(): void {
    for (const l of [...this.set]) {
      try {
        l();
      } catch (err) {
        process.emitWarning(`xDS TLS: a change listener threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

/** Inline data only (inline_bytes / inline_string): a file name is the control plane's file system, not ours. */
function text(source: unknown, what: string): string {
  const s = obj(source);
  if (s === undefined) throw new Error(`${what} is missing`);
  const bytes = s.inlineBytes;
  if (bytes instanceof Uint8Array) return Buffer.from(bytes).toString('utf8');
  const inline = str(s.inlineString);
  if (inline !== undefined) return inline;
  throw new Error(`${what} is not inline`);
}

function parsed<T>(make: () => T, what: string): T {
  try {
    return make();
  } catch (err) {
    throw new Error(`${what} (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** A decoded Secret's material, checked to parse (and the key to be the certificate's); throws saying why. */
export function secretMaterial(secret: Obj): SecretMaterial {
  const name = str(secret.name) ?? '';
  const cert = obj(secret.tlsCertificate);
  if (cert !== undefined) {
    const chain = text(cert.certificateChain, `secret ${name}: certificate_chain`);
    const key = text(cert.privateKey, `secret ${name}: private_key`);
    const leaf = parsed(() => new X509Certificate(chain), `secret ${name}: certificate_chain is not a certificate`);
    const pkey = parsed(() => createPrivateKey(key), `secret ${name}: private_key is not a private key`);
    if (!leaf.checkPrivateKey(pkey)) throw new Error(`secret ${name}: the private key does not match the certificate`);
    return { cert: chain, key };
  }
  const validation = obj(secret.validationContext);
  if (validation !== undefined) {
    const ca = text(validation.trustedCa, `secret ${name}: trusted_ca`);
    parsed(() => new X509Certificate(ca), `secret ${name}: trusted_ca is not a certificate`);
    return { ca };
  }
  throw new Error(`secret ${name} is neither a tls_certificate nor a validation_context`);
}

/**
 * One SDS secret watched over the xDS client. A pushed secret that cannot be used (bad PEM, a key
 * of another certificate) keeps the last good one, and is reported once per push.
 */
export class SecretSource {
  private material: SecretMaterial | undefined;
  private readonly changes = new Listeners();
  private readonly waiters: (() => void)[] = [];
  lastError: string | undefined;
  private readonly unwatch: () => void;

  constructor(source: XdsWatchSource, readonly name: string) {
    this.unwatch = source.watch(SECRET, name, (secret) => this.onSecret(obj(secret)));
  }

  private onSecret(secret: Obj | undefined): void {
    // A removed secret keeps the last material: connections must not start failing because a
    // control plane forgot a resource (the clusters naming it are what change).
    if (secret === undefined) return;
    let next: SecretMaterial;
    try {
      next = secretMaterial(secret);
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      process.emitWarning(`xDS TLS: ${this.lastError}; the previous material stays in use`);
      return;
    }
    this.lastError = undefined;
    const first = this.material === undefined;
    this.material = next;
    if (first) for (const w of this.waiters.splice(0)) w();
    this.changes.emit();
  }

  get current(): SecretMaterial | undefined {
    return this.material;
  }

  ready(): Promise<void> {
    if (this.material !== undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new RpcError(Code.Unavailable, `xDS: SDS secret ${this.name} not received within ${READY_MS} ms${this.lastError ? ` (${this.lastError})` : ''}`));
      }, READY_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
    });
  }

  onChange(listener: () => void): () => void {
    return this.changes.add(listener);
  }

  close(): void {
    this.unwatch();
  }
}

/** Either half: a provider's TlsSource (its cert/key or its ca) or an SDS secret. */
export interface MaterialHalf {
  ready(): Promise<void>;
  /** The half's current material; undefined before ready. */
  read(): SecretMaterial | undefined;
  onChange(listener: () => void): () => void;
}

export function providerHalf(source: TlsSource): MaterialHalf {
  let loaded = false;
  return {
    ready: () => source.ready().then(() => void (loaded = true)),
    read: () => {
      if (!loaded) {
        try {
          const m = source.current();
          loaded = true;
          return materialStrings(m);
        } catch {
          return undefined;
        }
      }
      return materialStrings(source.current());
    },
    onChange: (l) => source.onChange(l),
  };
}

function materialStrings(m: TlsMaterial): SecretMaterial {
  return { cert: String(m.cert), key: String(m.key), ...(m.ca !== undefined ? { ca: String(m.ca) } : {}) };
}

export function secretHalf(secret: SecretSource): MaterialHalf {
  return { ready: () => secret.ready(), read: () => secret.current, onChange: (l) => secret.onChange(l) };
}

/**
 * The certificate and key of `identity` (none: TLS without a client certificate) with the roots
 * of `roots`, as one TlsSource. `current()` returns the same object until either half changes:
 * the engine keeps one TLS context per material object, so a handshake does not re-parse PEM.
 */
export function joinedSource(identity: MaterialHalf | undefined, roots: MaterialHalf, what: string): TlsSource {
  let held: TlsMaterial | undefined;
  const changes = new Listeners();
  const changed = () => {
    held = undefined;
    changes.emit();
  };
  identity?.onChange(changed);
  roots.onChange(changed);
  return {
    ready: () => Promise.all([identity?.ready(), roots.ready()]).then(() => undefined),
    current(): TlsMaterial {
      if (held !== undefined) return held;
      const id = identity?.read();
      const ca = roots.read()?.ca;
      if ((identity !== undefined && (id?.cert === undefined || id.key === undefined)) || ca === undefined) {
        throw new RpcError(Code.Unavailable, `xDS: the TLS material of ${what} is not loaded yet`);
      }
      // Node takes an empty cert/key as none: TLS without a client certificate.
      held = { cert: id?.cert ?? '', key: id?.key ?? '', ca };
      return held;
    },
    onChange: (l) => changes.add(l),
  };
}
