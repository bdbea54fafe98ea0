#!/usr/bin/env node
// npm run fuzz -- [--seconds N] [--target name[,name]] [--timeout ms] [--heap MB] [--seed n]
//                 [--corpus dir] [--crashes dir] [--targets module] [--repro file] [--json] [--blind]
// Mutation-fuzzes every decoder (see targets.js) for N seconds in all, shared between the targets,
// guided by V8's block coverage (coverage.js; --blind: by outcome features only).
// Each target runs in a worker thread with a heap ceiling; a watchdog here gives every input a time
// limit. A thrown non-RpcError, a hang or an out-of-memory is a finding: saved as a crash file with
// the command that reproduces it. New inputs (a new outcome shape) are kept in the corpus folder.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const root = fileURLToPath(new URL('..', import.meta.url));
const opts = parseArgs(process.argv.slice(2));
const MAX_INPUT = 64 * 1024;
const targetsModule = pathToFileURL(resolve(opts.targets ?? join(root, 'fuzz', 'targets.js'))).href;
const { targetNames } = await import(targetsModule);

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const key = a.slice(2);
    if (key === 'json' || key === 'blind') o[key] = true;
    else o[key] = argv[++i];
  }
  return o;
}

const seconds = Number(opts.seconds ?? 60);
const timeoutMs = Number(opts.timeout ?? 2000);
const heapMb = Number(opts.heap ?? 256);
const corpusRoot = resolve(opts.corpus ?? join(root, '.cache', 'fuzz', 'corpus'));
const crashRoot = resolve(opts.crashes ?? join(root, '.cache', 'fuzz', 'crashes'));
const chosen = opts.target ? opts.target.split(',') : targetNames;
for (const name of chosen) if (!targetNames.includes(name)) throw new Error(`unknown target ${name}; targets: ${targetNames.join(', ')}`);
const log = (line) => { if (!opts.json) console.log(line); };
const sha = (b) => createHash('sha1').update(b).digest('hex').slice(0, 16);

function loadCorpus(dir) {
  try {
    return readdirSync(dir).sort().map((f) => readFileSync(join(dir, f)));
  } catch {
    return [];
  }
}

const blank = (text) => text.replace(/\d+/g, '#');
const firstLines = (message) => message.split('\n').slice(0, 3).join('\n');

/** Saves a finding and returns where, with the command that replays it. */
function saveFinding(target, kind, input, message) {
  const dir = join(crashRoot, target);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${kind}-${sha(input)}.bin`);
  writeFileSync(file, input);
  writeFileSync(`${file}.txt`, `${message}\n`);
  const targetsArg = opts.targets ? ` --targets ${opts.targets}` : '';
  return { target, kind, file, message: firstLines(message),
    reproduce: `node ${relative(process.cwd(), join(root, 'fuzz', 'run.js')) || 'fuzz/run.js'} --target ${target}${targetsArg} --repro ${file}` };
}

/** Runs one worker until it ends; resolves with what it reported and how it ended. */
function session(target, data) {
  return new Promise((done) => {
    const shared = new SharedArrayBuffer(8 + MAX_INPUT);
    const state = new Int32Array(shared, 0, 2);
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: { ...data, targetName: target, targetsModule, shared, maxLength: MAX_INPUT, coverage: !opts.blind },
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    });
    const out = { messages: [], end: 'done', input: undefined };
    const current = () => Buffer.from(new Uint8Array(shared, 8, Math.min(Atomics.load(state, 1), MAX_INPUT)));
    let lastSeq = -1;
    let since = Date.now();
    const watchdog = setInterval(() => {
      const seq = Atomics.load(state, 0);
      if (seq !== lastSeq) { lastSeq = seq; since = Date.now(); return; }
      if (Date.now() - since > timeoutMs && seq > 0) {
        out.end = 'timeout';
        out.input = current();
        void worker.terminate();
      }
    }, Math.min(100, timeoutMs / 4));
    worker.on('message', (m) => out.messages.push(m));
    worker.on('error', (err) => {
      out.end = err?.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'oom' : 'crash';
      out.error = String(err?.stack ?? err);
      out.input = current();
    });
    worker.on('exit', () => {
      clearInterval(watchdog);
      out.started = Atomics.load(state, 0);
      done(out);
    });
  });
}

async function fuzzTarget(target, budgetMs) {
  const dir = join(corpusRoot, target);
  const { targets } = await import(targetsModule);
  let corpus = [...targets[target].seeds(), ...loadCorpus(dir)];
  const findings = [];
  let execs = 0;
  let kept = 0;
  let slowest = { ms: 0, input: Buffer.alloc(0) };
  const end = Date.now() + budgetMs;
  let seed = Number(opts.seed ?? Date.now()) >>> 0;
  // A worker that hung or ran out of memory is replaced; the session goes on until the budget ends.
  while (Date.now() < end) {
    const out = await session(target, { corpus, seed: seed++, deadline: end });
    for (const m of out.messages) {
      if (m.type === 'slowest') {
        if (m.ms > slowest.ms) slowest = { ms: m.ms, input: Buffer.from(m.input) };
      } else if (m.type === 'new') {
        const input = Buffer.from(m.input);
        const file = join(dir, sha(input));
        // The same bytes can be reported new twice (generated twice in one batch, or found again by a
        // restarted worker): the corpus keeps them once.
        if (existsSync(file)) continue;
        mkdirSync(dir, { recursive: true });
        writeFileSync(file, input);
        corpus.push(input);
        kept++;
      } else if (m.type === 'finding' && !findings.some((f) => f.kind === m.kind && blank(f.message) === blank(firstLines(m.message)))) {
        findings.push(saveFinding(target, m.kind, Buffer.from(m.input), m.message));
      }
    }
    execs += out.started;
    if (out.end !== 'done') {
      const message = out.end === 'timeout' ? `no result within ${timeoutMs} ms` : out.end === 'oom' ? `heap exhausted (${heapMb} MB)` : out.error;
      // The same hang or blow-up found again by the next worker is not a new finding.
      if (!findings.some((f) => f.kind === out.end)) findings.push(saveFinding(target, out.end, out.input ?? Buffer.alloc(0), message));
      // Don't start over from an input that takes the worker down again and again.
      const bad = out.input === undefined ? '' : sha(out.input);
      corpus = corpus.filter((b) => sha(b) !== bad);
    }
  }
  // Not a finding (a busy machine makes any input slow), but worth a look when it grows.
  mkdirSync(crashRoot, { recursive: true });
  const slowestFile = join(crashRoot, `${target}.slowest.bin`);
  writeFileSync(slowestFile, slowest.input);
  return { target, execs, kept, corpus: corpus.length, findings, slowestMs: Math.round(slowest.ms * 10) / 10, slowestFile };
}

async function repro(target, file) {
  const input = readFileSync(file);
  const out = await session(target, { corpus: [], seed: 1, deadline: 0, repro: input });
  const m = out.messages.find((x) => x.type === 'repro' || x.type === 'finding');
  if (out.end !== 'done') console.log(`${out.end}: ${out.error ?? ''}`);
  else if (m.type === 'finding') console.log(`finding: ${m.message}`);
  else console.log(`ok: ${m.outcome}`);
  process.exitCode = out.end === 'done' && m.type === 'repro' ? 0 : 1;
}

if (opts.repro) {
  await repro(chosen[0], opts.repro);
} else {
  const budget = (seconds * 1000) / chosen.length;
  const results = [];
  for (const target of chosen) {
    const r = await fuzzTarget(target, budget);
    results.push(r);
    log(`${target}: ${r.execs} inputs, ${r.kept} new kept (corpus ${r.corpus}), slowest ${r.slowestMs} ms, ${r.findings.length} findings`);
    for (const f of r.findings) log(`  ${f.kind} ${f.message.split('\n')[0]}\n    reproduce: ${f.reproduce}`);
  }
  const total = results.reduce((n, r) => n + r.findings.length, 0);
  if (opts.json) console.log(JSON.stringify({ results }));
  else log(total === 0 ? 'no findings' : `${total} findings, crash files in ${crashRoot}`);
  process.exitCode = total === 0 ? 0 : 1;
}
