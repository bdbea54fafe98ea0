// Network namespaces for the install suites (root only): each run makes its own, with unique
// names, and deletes them (and with them their veth ends) whatever happens.
import { execFileSync, spawn } from 'node:child_process';

function ip(...args) {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Why namespaces cannot be used here, or undefined when they can. */
export function netnsUnavailable() {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
  const probe = `mlprobe${process.pid}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return undefined;
  } catch (err) {
    return `ip netns is not permitted here: ${String(err.stderr ?? err.message).trim()}`;
  }
}

const tag = () => `${process.pid % 100000}${Math.floor(Math.random() * 100)}`;

/** One namespace with only loopback up. */
export function loopbackNamespace() {
  const name = `mlns${tag()}`;
  ip('netns', 'add', name);
  try {
    ip('-n', name, 'link', 'set', 'lo', 'up');
  } catch (err) {
    ip('netns', 'del', name);
    throw err;
  }
  return { name, delete: () => deleteNamespaces([name]) };
}

/**
 * Two namespaces joined by a veth pair on a private /24 and nothing else (no default route):
 * `a` holds `${subnet}.1`, `b` holds `${subnet}.2`.
 */
export function vethPair() {
  const t = tag();
  const a = `mla${t}`;
  const b = `mlb${t}`;
  const subnet = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250) + 1}`;
  const made = [];
  try {
    for (const n of [a, b]) {
      ip('netns', 'add', n);
      made.push(n);
      ip('-n', n, 'link', 'set', 'lo', 'up');
    }
    ip('-n', a, 'link', 'add', `va${t}`, 'type', 'veth', 'peer', 'name', `vb${t}`, 'netns', b);
    ip('-n', a, 'addr', 'add', `${subnet}.1/24`, 'dev', `va${t}`);
    ip('-n', b, 'addr', 'add', `${subnet}.2/24`, 'dev', `vb${t}`);
    ip('-n', a, 'link', 'set', `va${t}`, 'up');
    ip('-n', b, 'link', 'set', `vb${t}`, 'up');
  } catch (err) {
    deleteNamespaces(made);
    throw err;
  }
  return { a, b, addressA: `${subnet}.1`, addressB: `${subnet}.2`, delete: () => deleteNamespaces([a, b]) };
}

export function deleteNamespaces(names) {
  for (const n of names) {
    try {
      ip('netns', 'del', n);
    } catch {
      // already gone
    }
  }
}

/**
 * Runs `node args…` inside namespace `ns`; resolves `lines` as they come. `ip netns exec` execs
 * the command, so the child's pid is node's and signals reach it.
 */
export function nodeIn(ns, args, { cwd, env }) {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    exited,
    output: () => ({ stdout: out, stderr: err }),
    /** Resolves when stdout has a line matching `re`; rejects on exit or after `ms`. */
    waitFor(re, ms) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`no ${re} after ${ms} ms; stdout: ${out} stderr: ${err}`)), ms);
        const check = () => {
          const m = re.exec(out);
          if (m) done(undefined, m);
        };
        const onExit = ({ code, signal }) => done(new Error(`exited (${code ?? signal}) before ${re}; stdout: ${out} stderr: ${err}`));
        function done(e, m) {
          clearTimeout(timer);
          child.stdout.off('data', check);
          if (e) reject(e);
          else resolve(m);
        }
        child.stdout.on('data', check);
        exited.then(onExit);
        check();
      });
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
}
