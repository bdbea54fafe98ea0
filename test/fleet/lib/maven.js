// Java peers: modules of test/fleet/java, built by Maven from Maven Central into the fleet cache
// (its own local repository, so nothing outside the project's folders is touched).
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { cacheDir, cached, root } from './cache.js';
import { scratch } from './processes.js';
import { run } from './run.js';
import { requireTool } from './toolchain.js';

const javaDir = join(root, 'test', 'fleet', 'java');
export const mavenRepo = process.env.MESHLET_FLEET_M2 ?? join(cacheDir, 'm2');

/**
 * Builds `module` once per content hash of test/fleet/java (its pom adds shared source folders:
 * `common`, the conformance and fleet contracts, and for Dubbo `dubbo`); resolves with the class
 * path: the module's classes and every runtime dependency. Each module is a standalone pom, so the
 * Dubbo 2.7, Dubbo 3, SOFARPC and motan peers never share a class path.
 */
export async function javaPeer(module) {
  requireTool('java');
  requireTool('mvn');
  const dir = await cached(`java-${module}`, [javaDir], async (out) => {
    await run('mvn', ['-B', '-q', `-Dmaven.repo.local=${mavenRepo}`, '-DskipTests',
      'package', 'dependency:copy-dependencies', '-DincludeScope=runtime'], { cwd: join(javaDir, module) });
    const lib = join(out, 'lib');
    mkdirSync(lib);
    const target = join(javaDir, module, 'target');
    cpSync(join(target, 'classes'), join(out, 'classes'), { recursive: true });
    for (const jar of readdirSync(join(target, 'dependency'))) cpSync(join(target, 'dependency', jar), join(lib, jar));
  });
  return [join(dir, 'classes'), join(dir, 'lib', '*')].join(delimiter);
}

/**
 * `java` arguments that run `mainClass` of a built peer. Its home is the run's scratch folder:
 * SOFARPC's tracer appends every call to ~/logs/tracelog (1.3 GB in one day of runs here), and
 * Dubbo, nacos-client and Sentinel keep caches and logs under user.home that must not leak between runs.
 */
export function javaArgs(classpath, mainClass, args = [], jvm = []) {
  return ['-Xss1m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Duser.home=${scratch}`, ...jvm, '-cp', classpath, mainClass, ...args];
}
