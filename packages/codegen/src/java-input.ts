import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Code, RpcError } from '@meshlet/core';
import { parseClass, type ClassInfo } from './classfile.js';
import { readZip } from './zip.js';

/** Classes javac writes that are no types of an API. */
const skip = (name: string) => name.endsWith('module-info.class') || name.endsWith('package-info.class');

/**
 * Reads every class of the given jars and class folders (a folder's class files at any depth),
 * keyed by binary name. The first occurrence of a class wins, as on a Java classpath.
 */
export function loadClasses(inputs: readonly string[]): Map<string, ClassInfo> {
  const out = new Map<string, ClassInfo>();
  const add = (bytes: Uint8Array, source: string) => {
    const c = parseClass(bytes, source);
    if (!out.has(c.name)) out.set(c.name, c);
  };
  for (const input of inputs) {
    let st;
    try {
      st = statSync(input);
    } catch (err) {
      throw new RpcError(Code.InvalidArgument, `${input}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (err as Error).message}`);
    }
    if (st.isDirectory()) {
      const walk = (dir: string, depth: number) => {
        if (depth > 64) return;
        for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
          const p = join(dir, e.name);
          if (e.isDirectory()) walk(p, depth + 1);
          else if (e.name.endsWith('.class') && !skip(e.name)) add(readFileSync(p), p);
        }
      };
      walk(input, 0);
    } else {
      const entries = readZip(readFileSync(input), (n) => n.endsWith('.class') && !skip(n) && !n.startsWith('META-INF/'), input);
      for (const [name, bytes] of entries) add(bytes, `${input}!${name}`);
    }
  }
  return out;
}
