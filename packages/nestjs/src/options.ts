import type { DynamicModule, ForwardReference, InjectionToken, OptionalFactoryDependency, Provider, Type } from '@nestjs/common';
import type { ClientOfClass, ClientOfSpec, MethodSpec, ReferOptions, TypedServiceDefinition } from '@meshlet/core';
import type { MeshletAppOptions } from 'meshlet-rpc';
import type { Contract } from './tokens.js';

/** `createMeshlet` options (from `meshlet-rpc`), plus how providers are found. */
export interface MeshletModuleOptions extends MeshletAppOptions {
  /**
   * `true` (default): every singleton provider of the app whose class carries `@RpcService`
   * (its own or a parent's) is exported, wherever it is declared. `false`: only the providers
   * listed in `MeshletModule.forFeature({ providers })` are.
   */
  readonly discover?: boolean;
}

type ModuleImport = Type<unknown> | DynamicModule | Promise<DynamicModule> | ForwardReference;

/** Options computed by a factory that Nest injects, as in other Nest modules' `forRootAsync`. */
export interface MeshletModuleAsyncOptions {
  readonly imports?: ModuleImport[];
  readonly inject?: (InjectionToken | OptionalFactoryDependency)[];
  readonly useFactory: (...args: any[]) => MeshletModuleOptions | Promise<MeshletModuleOptions>;
}

/** A reference with options: `{ contract: Orders, options: { protocol: 'motan2', timeout: 500 } }`. */
export interface ReferenceSpec {
  readonly contract: Contract;
  readonly options?: ReferOptions;
}

export interface MeshletFeatureOptions {
  /**
   * Providers to declare in this feature module and export over Meshlet (with `discover: false`
   * these are the only exported ones). They are also exported to Nest, so the importing module
   * can inject them.
   */
  readonly providers?: Provider[];
  /** Modules the listed providers' dependencies come from. */
  readonly imports?: ModuleImport[];
  /** References to make, each injectable with `@InjectReference(contract, { group, version, protocol })`. */
  readonly references?: (Contract | ReferenceSpec)[];
}

/** The type of an injected reference: `Reference<typeof DemoService>`. */
export type Reference<C> = C extends TypedServiceDefinition<infer M extends Record<string, MethodSpec>>
  ? ClientOfSpec<M>
  : C extends abstract new (...args: any[]) => infer I ? ClientOfClass<I> : never;
