import { Inject } from '@nestjs/common';
import { Code, RpcError, definitionOfClass, serviceKeyString, type ReferOptions, type ServiceDefinition } from '@meshlet/core';

/** Injection token of the app's one Meshlet runtime (a `MeshletApp` from `meshlet-rpc`). */
export const MESHLET = Symbol.for('meshlet:runtime');
/** Injection token of the options `forRoot` / `forRootAsync` resolved. */
export const MESHLET_MODULE_OPTIONS = Symbol.for('meshlet:module-options');

/** What a reference is made from: a decorated contract class or a `defineService` definition. */
export type Contract = (abstract new (...args: any[]) => any) | ServiceDefinition;

/** The options that pick a distinct reference; `url`, `timeout` and the like do not change the token. */
export type ReferenceKey = Pick<ReferOptions, 'group' | 'version' | 'protocol'>;

/** The definition behind a contract; a class without `@RpcService` is a usage error, said early. */
export function definitionOf(contract: Contract): ServiceDefinition {
  if (typeof contract !== 'function') {
    if (contract && typeof contract === 'object' && typeof contract.interface === 'string' && contract.methods instanceof Map) return contract;
    throw new RpcError(Code.InvalidArgument, 'a Meshlet reference needs an @RpcService class or a defineService() definition');
  }
  const d = definitionOfClass(contract);
  if (!d) throw new RpcError(Code.InvalidArgument, `${contract.name || 'the class'} has no @RpcService decorator: it cannot be referred to`);
  return d;
}

/**
 * The injection token of a reference. A string built from the service key (not the class
 * itself), because an app may register the contract class, or a subclass, as the provider it
 * exports: the class token is then the implementation, and the reference must differ from it.
 */
export function referenceToken(contract: Contract, key: ReferenceKey = {}): string {
  const d = definitionOf(contract);
  const service = serviceKeyString({ interface: d.interface, group: key.group ?? d.group, version: key.version ?? d.version });
  return `meshlet:reference:${service}${key.protocol ? `@${key.protocol}` : ''}`;
}

/** Injects the typed proxy `MeshletModule.forFeature({ references })` made for this contract and key. */
export function InjectReference(contract: Contract, key?: ReferenceKey): PropertyDecorator & ParameterDecorator {
  return Inject(referenceToken(contract, key));
}

/** Injects the runtime itself (to read `address()`, change routes, or refer at run time). */
export function InjectMeshlet(): PropertyDecorator & ParameterDecorator {
  return Inject(MESHLET);
}
