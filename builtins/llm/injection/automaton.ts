// Aho-Corasick over UTF-16 units that reports every needle occurrence with its position
// (builtins/strings/literals.ts has one that only answers yes/no). Built once per needle set
// into a dense transition table over the needles' alphabet (a character outside it sends the
// scan back to the root), so a scan is one array lookup per character: O(|text| + matches).

export interface Hit {
  needle: number;
  start: number;
  end: number;
}

export class PositionalAhoCorasick {
  /** UTF-16 unit -> column (0: not in any needle). */
  private readonly column = new Map<number, number>();
  private readonly asciiColumn = new Int32Array(128);
  private readonly width: number;
  private readonly delta: Int32Array;
  private readonly out: number[][];
  private readonly lengths: number[];

  constructor(needles: readonly string[]) {
    this.lengths = needles.map((n) => n.length);
    for (const n of needles) {
      for (let i = 0; i < n.length; i++) {
        const c = n.charCodeAt(i);
        if (!this.column.has(c)) this.column.set(c, this.column.size + 1);
      }
    }
    for (const [c, col] of this.column) if (c < 128) this.asciiColumn[c] = col;
    this.width = this.column.size + 1;
    const w = this.width;
    // The trie is built in the transition table itself (0: no edge; no trie edge leads back to
    // the root), with each state's column and its children as sibling lists. A first build
    // runs cold, in V8's interpreter: Maps per state and a loop over every column of every
    // state cost the detector's first analysis ~10 ms for the compact phrases alone.
    let states = 1;
    for (const n of needles) states += n.length;
    let delta = new Int32Array(states * w);
    const edgeCol = new Int32Array(states);
    const firstChild = new Int32Array(states).fill(-1);
    const sibling = new Int32Array(states).fill(-1);
    const out: number[][] = [[]];
    let count = 1;
    needles.forEach((n, id) => {
      if (n === '') return;
      let st = 0;
      for (let i = 0; i < n.length; i++) {
        const col = this.column.get(n.charCodeAt(i))!;
        let nx = delta[st * w + col]!;
        if (nx === 0) {
          nx = count++;
          out.push([]);
          delta[st * w + col] = nx;
          edgeCol[nx] = col;
          sibling[nx] = firstChild[st]!;
          firstChild[st] = nx;
        }
        st = nx;
      }
      out[st]!.push(id);
    });
    // Failure links breadth-first, folded into a complete transition table: a state's row is
    // its failure state's row (complete, being shallower) with its own trie edges written over.
    const fail = new Int32Array(count);
    const queue = new Int32Array(count);
    let tail = 0;
    for (let c = firstChild[0]!; c !== -1; c = sibling[c]!) queue[tail++] = c;
    for (let qi = 0; qi < tail; qi++) {
      const st = queue[qi]!;
      const f = fail[st]!;
      if (out[f]!.length) out[st] = [...out[st]!, ...out[f]!];
      delta.copyWithin(st * w, f * w, f * w + w);
      for (let c = firstChild[st]!; c !== -1; c = sibling[c]!) {
        const col = edgeCol[c]!;
        fail[c] = delta[st * w + col]!;
        delta[st * w + col] = c;
        queue[tail++] = c;
      }
    }
    if (count < states) delta = delta.slice(0, count * w);
    this.delta = delta;
    this.out = out;
  }

  /** The state after `st` reads UTF-16 unit `c` (streaming use; 0 is the start state). */
  next(st: number, c: number): number {
    const col = c < 128 ? this.asciiColumn[c]! : (this.column.get(c) ?? 0);
    return col === 0 ? 0 : this.delta[st * this.width + col]!;
  }

  /** Needles that end in state `st`. */
  matches(st: number): readonly number[] {
    return this.out[st]!;
  }

  needleLength(id: number): number {
    return this.lengths[id]!;
  }

  /** Every occurrence, left to right by end position; at most `limit`. */
  scan(s: string, limit = 256): Hit[] {
    const hits: Hit[] = [];
    const w = this.width;
    const delta = this.delta;
    let st = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const col = c < 128 ? this.asciiColumn[c]! : (this.column.get(c) ?? 0);
      st = col === 0 ? 0 : delta[st * w + col]!;
      if (st === 0) continue;
      const o = this.out[st]!;
      for (let j = 0; j < o.length; j++) {
        const id = o[j]!;
        hits.push({ needle: id, start: i + 1 - this.lengths[id]!, end: i + 1 });
        if (hits.length >= limit) return hits;
      }
    }
    return hits;
  }
}
