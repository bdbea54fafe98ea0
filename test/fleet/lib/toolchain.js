// The toolchains the fleet suite builds its peers with. A missing one fails the suite with the exact
// line that installs it: a fleet test that silently skips proves nothing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';

// Go's official tarball lives in /usr/local/go; a login shell puts it on PATH, a CI runner may not.
const goRoot = '/usr/local/go/bin';
if (existsSync(goRoot) && !(process.env.PATH ?? '').split(delimiter).includes(goRoot)) {
  process.env.PATH = `${process.env.PATH}${delimiter}${goRoot}`;
}

const INSTALL = {
  java: 'apt-get update && apt-get install -y openjdk-17-jdk-headless',
  mvn: 'apt-get update && apt-get install -y maven',
  go: 'install Go >= 1.22 (the official linux-amd64 tarball into /usr/local/go) and put /usr/local/go/bin on PATH',
};

function version(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return `${r.stdout}${r.stderr}`.trim();
}

/** Throws with the install line when `cmd` is not on PATH; returns its version text otherwise. */
export function requireTool(cmd) {
  const args = { java: ['-version'], mvn: ['-v'], go: ['version'] }[cmd];
  const v = version(cmd, args);
  if (v === undefined) {
    throw new Error(`the fleet suite needs \`${cmd}\`, which is not on PATH. Install it: ${INSTALL[cmd]}`);
  }
  return v.split('\n')[0];
}
