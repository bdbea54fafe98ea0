// Dubbo 3's two switches between interface-level and application-level discovery, apart from the
// code that acts on them: the options module (and so the package's public types) needs the
// names without loading the ZooKeeper client's types.

/** How providers register (Dubbo 3's `register-mode`): interface-level nodes, the application instance, or both. */
export type RegisterMode = 'interface' | 'instance' | 'all';
export const REGISTER_MODES: readonly RegisterMode[] = ['interface', 'instance', 'all'];

/** Dubbo 3's consumer `migration` rule: which discovery level a consumer uses. */
export type Migration = 'FORCE_INTERFACE' | 'APPLICATION_FIRST' | 'FORCE_APPLICATION';
export const MIGRATIONS: readonly Migration[] = ['FORCE_INTERFACE', 'APPLICATION_FIRST', 'FORCE_APPLICATION'];
