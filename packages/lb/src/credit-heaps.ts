import { EndpointState } from './endpoint-state.js';

/** Smooth round robin keeps a running credit per endpoint. */
export class CreditState extends EndpointState {
  /** The credit; while `CreditHeaps` holds the state, the credit less weight × picks (`offset`). */
  credit = 0;
  /** The weight `CreditHeaps` counts this state with, and its place in that weight's heap. */
  heapWeight = 0;
  heapAt = -1;
}

/** Which of two states of one weight smooth round robin takes first: more credit, then the earlier slot. */
function before(a: CreditState, b: CreditState): boolean {
  return a.credit > b.credit || (a.credit === b.credit && a.slot < b.slot);
}

/**
 * Smooth weighted round robin in O(k + log n) per pick for k distinct weights, with the exact
 * choices of the full pass. Every pick adds each endpoint's weight to its credit; instead of doing
 * that n times, the credit is kept as `weight × picks + offset` and only the chosen endpoint's
 * offset moves (by −total). Among endpoints of one weight the order by credit is the order by
 * offset, so a max-heap per weight gives each weight's best, and the pick compares k of them.
 * Weights must be integers (the arithmetic stays exact, so ties fall as in the full pass).
 */
export class CreditHeaps {
  private heaps: CreditState[][] = [];
  private weights: number[] = [];
  private states: CreditState[] = [];
  private picks = 0;
  private total = 0;

  /**
   * Takes over `states` (credits as the full pass left them) if they qualify: every one warm with an
   * integer weight, no state twice, some weight positive and not all equal. False: not taken.
   */
  take(states: readonly CreditState[]): boolean {
    const byWeight = new Map<number, CreditState[]>();
    let total = 0;
    for (let i = 0; i < states.length; i++) {
      const s = states[i]!;
      const w = s.fullWeight;
      if (!s.warm || !Number.isInteger(w) || s.slot !== i) return false;
      total += w;
      let heap = byWeight.get(w);
      if (heap === undefined) byWeight.set(w, (heap = []));
      heap.push(s);
    }
    if (total <= 0 || byWeight.size < 2 || !Number.isSafeInteger(total)) return false;
    this.heaps = [];
    this.weights = [];
    for (const [w, heap] of byWeight) {
      for (const s of heap) s.heapWeight = w;
      heap.sort((a, b) => (before(a, b) ? -1 : 1));
      heap.forEach((s, i) => (s.heapAt = i));
      this.heaps.push(heap);
      this.weights.push(w);
    }
    this.states = [...states];
    this.picks = 0;
    this.total = total;
    return true;
  }

  /** The next choice's slot; the same one the full pass would make. */
  pick(): number {
    const t = ++this.picks;
    let best: CreditState | undefined;
    let bestCredit = -Infinity;
    let bestHeap = -1;
    for (let h = 0; h < this.heaps.length; h++) {
      const top = this.heaps[h]![0]!;
      const credit = this.weights[h]! * t + top.credit;
      if (credit > bestCredit || (credit === bestCredit && top.slot < best!.slot)) {
        best = top;
        bestCredit = credit;
        bestHeap = h;
      }
    }
    best!.credit -= this.total;
    this.siftDown(this.heaps[bestHeap]!);
    // Offsets fall by `total` per pick spread over them while `weight × picks` grows: rebase before
    // the products leave exact integers (after ~2^53 / total picks; rare, O(n)).
    if (t * this.total > 2 ** 50) this.rebase();
    return best!.slot;
  }

  /** Gives the states back with their credits written out in full (the full pass goes on from them). */
  release(): void {
    this.rebase();
    this.states = [];
    this.heaps = [];
    this.weights = [];
  }

  private rebase(): void {
    const t = this.picks;
    for (const s of this.states) s.credit += s.heapWeight * t;
    this.picks = 0;
  }

  /** The top's credit fell: move it down to its place. */
  private siftDown(heap: CreditState[]): void {
    const n = heap.length;
    let i = 0;
    const s = heap[0]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(heap[r]!, heap[l]!) ? r : l;
      if (!before(heap[c]!, s)) break;
      heap[i] = heap[c]!;
      heap[i]!.heapAt = i;
      i = c;
    }
    heap[i] = s;
    s.heapAt = i;
  }
}
