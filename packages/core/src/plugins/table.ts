import { Code, RpcError } from '../errors.js';

/** How a registration treats a name that is already taken. */
export interface RegisterOptions {
  /** Replace what is registered under the name (without it, a second, different entry throws). */
  readonly replace?: boolean;
}

const NAME = /^[a-z][a-z0-9+._-]*$/;

/**
 * Plug-ins of one kind by name, as grpc-js keeps its resolvers and LB policies: configuration (an
 * env var, a URL parameter) names an entry and code supplies it. Names are case-insensitive.
 * Registering the same entry twice is a no-op, so a package's setup function may run more than once;
 * a different entry under a taken name must ask to replace it, so two plug-ins never shadow each
 * other by import order.
 */
export class NamedTable<F> {
  private readonly entries = new Map<string, F>();

  /** `kind` names the table in errors: `unknown protocol "x"; registered: bolt, dubbo`. */
  constructor(private readonly kind: string, builtins: Iterable<readonly [string, F]> = []) {
    for (const [name, entry] of builtins) this.register(name, entry);
  }

  register(name: string, entry: F, options: RegisterOptions = {}): void {
    const key = typeof name === 'string' ? name.toLowerCase() : '';
    if (!NAME.test(key)) throw new RpcError(Code.InvalidArgument, `invalid ${this.kind} name ${JSON.stringify(name)}`);
    if (entry === undefined || entry === null) throw new RpcError(Code.InvalidArgument, `no ${this.kind} given for ${JSON.stringify(name)}`);
    const current = this.entries.get(key);
    if (current !== undefined && current !== entry && options.replace !== true) {
      throw new RpcError(Code.InvalidArgument, `a ${this.kind} named ${JSON.stringify(name)} is already registered (pass { replace: true } to replace it)`);
    }
    this.entries.set(key, entry);
  }

  /** The entry under `name`; RpcError INVALID_ARGUMENT naming the registered ones when there is none. */
  get(name: string): F {
    const entry = typeof name === 'string' ? this.entries.get(name.toLowerCase()) : undefined;
    if (entry === undefined) {
      const known = this.names();
      throw new RpcError(Code.InvalidArgument, `unknown ${this.kind} ${JSON.stringify(name)}; registered: ${known.length > 0 ? known.join(', ') : 'none'}`);
    }
    return entry;
  }

  has(name: string): boolean {
    return this.entries.has(name.toLowerCase());
  }

  /** The registered names, sorted. */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  values(): IterableIterator<F> {
    return this.entries.values();
  }
}
