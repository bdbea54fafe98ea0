// One fuzzing session for one target, in a worker thread the runner watches. Before each input
// runs, its bytes are copied into shared memory, so the runner can save the input that hangs or
// exhausts the heap even though this thread can no longer speak.
import { parentPort, workerData } from 'node:worker_threads';
import { Coverage } from './coverage.js';
import { mutate, Rng } from './mutate.js';
import { features, isAllowedError } from './outcome.js';

const { targetName, targetsModule, shared, corpus: initial, seed, deadline, maxLength, repro } = workerData;
const { targets } = await import(targetsModule);
const target = targets[targetName];
const state = new Int32Array(shared, 0, 2); // [inputs started, current input length]
const bytes = new Uint8Array(shared, 8);

/** The slowest input so far: inputs are small, so a slow one points at super-linear work. */
let slowest = { ms: 0, input: Buffer.alloc(0) };

function runOne(input) {
  bytes.set(input.subarray(0, bytes.length));
  Atomics.store(state, 1, input.length);
  Atomics.add(state, 0, 1);
  const started = performance.now();
  try {
    return { ok: true, sig: features(target.run(input)) };
  } catch (err) {
    if (isAllowedError(err)) return { ok: true, sig: features(err) };
    return { ok: false, err };
  } finally {
    const ms = performance.now() - started;
    if (ms > slowest.ms) slowest = { ms, input };
  }
}

if (repro !== undefined) {
  const r = runOne(Buffer.from(repro));
  parentPort.postMessage(r.ok ? { type: 'repro', outcome: r.sig.join(' ') } : { type: 'finding', kind: 'exception', message: String(r.err?.stack ?? r.err), input: repro });
  process.exit(0);
}

const corpus = initial.map((b) => Buffer.from(b));
const seen = new Set();
const reported = new Set();
const rng = new Rng(seed);

const coverage = workerData.coverage === false ? undefined : new Coverage();

// Seeds first: their outcomes and the code they reach are the baseline a mutant must beat.
for (const input of corpus) {
  const r = runOne(input);
  if (r.ok) novel(r.sig);
  else report(input, r.err);
}
coverage?.novel();

/** Records the features; true when one of them is new. */
function novel(sig) {
  let fresh = false;
  for (const f of sig) {
    if (!seen.has(f)) {
      seen.add(f);
      fresh = true;
    }
  }
  return fresh;
}

function report(input, err) {
  const message = String(err?.stack ?? err);
  // Numbers blanked: the same failure with other counts or offsets is not a new one.
  const key = `${err?.name}:${message.split('\n').slice(0, 2).join('|').replace(/\d+/g, '#')}`;
  if (reported.has(key)) return; // one crash file per distinct failure
  reported.add(key);
  parentPort.postMessage({ type: 'finding', kind: 'exception', message, input });
}

function keep(input) {
  corpus.push(input);
  parentPort.postMessage({ type: 'new', input });
}

/**
 * Finds which of `inputs` reached new code by replaying halves (a coverage read resets V8's
 * counters): about 2·log2(n) reads per new input instead of one read per input.
 */
function attribute(inputs) {
  if (inputs.length === 1) {
    runOne(inputs[0]);
    if (coverage.novel()) keep(inputs[0]);
    return;
  }
  const half = inputs.length >> 1;
  for (const part of [inputs.slice(0, half), inputs.slice(half)]) {
    for (const input of part) runOne(input);
    if (coverage.novel(false)) attribute(part);
  }
}

// Batches: one coverage read per batch is cheap (about 2 ms); only a batch that reached new code is
// replayed to find which inputs did, which becomes rare once the corpus settles.
const BATCH = 100;
while (Date.now() < deadline) {
  const batch = [];
  for (let i = 0; i < BATCH; i++) {
    const base = corpus.length > 0 ? corpus[rng.below(corpus.length)] : Buffer.alloc(0);
    const input = mutate(base, rng, corpus, target.dict, maxLength);
    const r = runOne(input);
    if (!r.ok) report(input, r.err);
    else if (novel(r.sig)) keep(input);
    else batch.push(input);
  }
  if (coverage !== undefined && coverage.novel(false)) attribute(batch);
}
parentPort.postMessage({ type: 'slowest', ms: slowest.ms, input: slowest.input });
