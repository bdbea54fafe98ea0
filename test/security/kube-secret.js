// A Kubernetes secret volume as the kubelet lays it out and updates it, for the suites that rotate
// certificates under MESHLET_TLS_DIR (rotation, tls-lan): files → `..data/<file>`, `..data` → a
// version directory, an update renaming `..data_tmp` over `..data`.
import { mkdirSync, mkdtempSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Volumes holding leaf certificates signed by `ca`, made under the temp dir as `<prefix>XXXXXX`; `dirs` lists them. */
export function kubeSecrets(ca, prefix) {
  let version = 0;
  const dirs = [];

  /** One version directory of the volume. */
  function writeVersion(dir, leaf) {
    const name = `..2026_12_06_00_00_${String(version++).padStart(2, '0')}.${process.pid}`;
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'cert.pem'), leaf.cert);
    writeFileSync(join(dir, name, 'key.pem'), leaf.key);
    writeFileSync(join(dir, name, 'ca.pem'), ca.cert);
    return name;
  }

  /** A new volume holding `leaf`. */
  function kubeDir(leaf) {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    symlinkSync(writeVersion(dir, leaf), join(dir, '..data'));
    for (const f of ['cert.pem', 'key.pem', 'ca.pem']) symlinkSync(join('..data', f), join(dir, f));
    return dir;
  }

  /** The kubelet's atomic update: a new version, `..data_tmp` renamed over `..data`, the old one removed. */
  function kubeSwap(dir, leaf) {
    const old = readlinkSync(join(dir, '..data'));
    symlinkSync(writeVersion(dir, leaf), join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    rmSync(join(dir, old), { recursive: true });
  }

  return { kubeDir, kubeSwap, dirs };
}
