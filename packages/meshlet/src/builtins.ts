import { registerProtocols, type Protocol, type ProtocolRegistration } from '@meshlet/core';
import { registerHessianSerialization } from '@meshlet/hessian';
import { registerBuiltinLoadBalancers } from '@meshlet/lb';
import { boltProtocol } from '@meshlet/transport-bolt';
import { dubboProtocol } from '@meshlet/transport-dubbo';
import { motan2Protocol, registerMotanSerializations } from '@meshlet/transport-motan';
import { tripleProtocol } from '@meshlet/transport-triple';

/**
 * The protocols this package brings, one line each; the first is the default of `provide` and
 * `refer`. A new protocol is its own package plus one line here.
 */
export const BUILTIN_PROTOCOLS: readonly ProtocolRegistration[] = [
  dubboProtocol,
  boltProtocol,
  motan2Protocol,
  tripleProtocol,
];

/**
 * Registers what this package brings, by name: the protocols above, `@meshlet/lb`'s balancers, and
 * the serializations (hessian2, Motan's simple and breeze). Explicit, as grpc-js' index calls each
 * module's `setup()`; `createMeshlet` calls it, and calling it again is a no-op.
 */
export function registerBuiltins(): void {
  registerProtocols(BUILTIN_PROTOCOLS);
  registerBuiltinLoadBalancers();
  registerHessianSerialization();
  registerMotanSerializations();
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The protocols of an app: those the code gives (objects or registered names), else the names in
 * `MESHLET_PROTOCOLS` (comma-separated), else the built-in ones. Unknown names fail when the
 * runtime is made, with RpcError INVALID_ARGUMENT naming the registered ones.
 */
export function protocolsOf(option: readonly (Protocol | string)[] | undefined, env: Env): readonly (Protocol | string)[] {
  if (option !== undefined) return option;
  const fromEnv = env.MESHLET_PROTOCOLS?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (fromEnv !== undefined && fromEnv.length > 0) return fromEnv;
  return BUILTIN_PROTOCOLS.map((p) => p.name);
}
