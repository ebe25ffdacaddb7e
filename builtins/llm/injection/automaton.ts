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
    // Trie.
    const goto: Map<number, number>[] = [new Map()];
    const out: number[][] = [[]];
    needles.forEach((n, id) => {
      if (n === '') return;
      let st = 0;
      for (let i = 0; i < n.length; i++) {
        const col = this.column.get(n.charCodeAt(i))!;
        let nx = goto[st]!.get(col);
        if (nx === undefined) {
          nx = goto.length;
          goto.push(new Map());
          out.push([]);
          goto[st]!.set(col, nx);
        }
        st = nx;
      }
      out[st]!.push(id);
    });
    // Failure links breadth-first, folded into a complete transition table.
    const w = this.width;
    const delta = new Int32Array(goto.length * w);
    const fail = new Int32Array(goto.length);
    const queue: number[] = [];
    for (let col = 1; col < w; col++) {
      const nx = goto[0]!.get(col);
      if (nx !== undefined) {
        delta[col] = nx;
        queue.push(nx);
      }
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const st = queue[qi]!;
      const f = fail[st]!;
      if (out[f]!.length) out[st] = [...out[st]!, ...out[f]!];
      for (let col = 1; col < w; col++) {
        const nx = goto[st]!.get(col);
        if (nx !== undefined) {
          fail[nx] = delta[f * w + col]!;
          delta[st * w + col] = nx;
          queue.push(nx);
        } else {
          delta[st * w + col] = delta[f * w + col]!;
        }
      }
    }
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
