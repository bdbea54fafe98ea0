// Code coverage from V8 itself, through the inspector of the worker's own thread: which blocks of
// the decoders (our packages' code and the libraries they call) ran since the last read. Binary
// block coverage (no call counts: reads cost ~2 ms, not ~50) resets on every read, so each read
// covers what ran since the previous one. This makes the fuzzer coverage-guided without native
// instrumentation; instrumented code runs about 1.5–3× slower.
import { Session } from 'node:inspector';

export class Coverage {
  #session = new Session();
  /** Blocks (script url + start offset) seen to run at least once. */
  #seen = new Set();

  constructor() {
    this.#session.connect();
    this.#post('Profiler.enable');
    this.#post('Profiler.startPreciseCoverage', { callCount: false, detailed: true });
  }

  /** A same-thread inspector session answers synchronously. */
  #post(method, params) {
    let result;
    let error;
    let answered = false;
    this.#session.post(method, params, (err, res) => {
      error = err;
      result = res;
      answered = true;
    });
    if (!answered) throw new Error(`inspector ${method} did not answer synchronously`);
    if (error) throw error;
    return result;
  }

  /**
   * Whether what ran since the last read reached a block never seen before. With `record` false the
   * new blocks are not remembered (the caller replays the inputs one by one to attribute them).
   */
  novel(record = true) {
    const { result } = this.#post('Profiler.takePreciseCoverage');
    let fresh = false;
    for (const script of result) {
      // Node's own internals and the fuzzer's code are not what is being tested.
      if (!script.url.startsWith('file://') || script.url.includes('/fuzz/')) continue;
      for (const fn of script.functions) {
        for (const range of fn.ranges) {
          if (range.count === 0) continue;
          const key = `${script.url}:${range.startOffset}`;
          if (this.#seen.has(key)) continue;
          fresh = true;
          if (!record) return true;
          this.#seen.add(key);
        }
      }
    }
    return fresh;
  }

  get blocks() {
    return this.#seen.size;
  }
}
