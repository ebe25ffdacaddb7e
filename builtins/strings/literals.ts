// Matching one string against a list of literal needles in time linear in the string.
//
// A short list is checked with the native `includes`/`startsWith`/`endsWith`, one call per
// needle (fast: each is a native scan). A longer list is compiled once into an Aho-Corasick
// automaton over UTF-16 units, which finds every needle in one left-to-right pass: the cost
// is O(|s|) however many needles there are (plus the matches reported, for containsAll).
// Prefix and suffix tests look only at the first/last `maxLen` units, by length buckets.
//
// A constant list in a policy is compiled at load (`specialize`); a list from the input is
// compiled per call, which is linear in the list's total length.

/** Lists up to this many needles use the native per-needle scans. */
export const SMALL_LIST = 8;

export interface LiteralSet {
  containsAny(s: string): boolean;
  containsAll(s: string): boolean;
  startsWithAny(s: string): boolean;
  endsWithAny(s: string): boolean;
}

export function compileLiterals(needles: readonly string[]): LiteralSet {
  return needles.length <= SMALL_LIST ? new SmallSet(needles) : new LargeSet(needles);
}

class SmallSet implements LiteralSet {
  constructor(private readonly needles: readonly string[]) {}
  containsAny(s: string): boolean {
    for (const n of this.needles) if (s.includes(n)) return true;
    return false;
  }
  containsAll(s: string): boolean {
    for (const n of this.needles) if (!s.includes(n)) return false;
    return true;
  }
  startsWithAny(s: string): boolean {
    for (const n of this.needles) if (s.startsWith(n)) return true;
    return false;
  }
  endsWithAny(s: string): boolean {
    for (const n of this.needles) if (s.endsWith(n)) return true;
    return false;
  }
}

class LargeSet implements LiteralSet {
  private readonly hasEmpty: boolean;
  /** Needle lengths (distinct, ascending) and the needles of each length. */
  private readonly byLength: Map<number, Set<string>>;
  private readonly lengths: number[];
  private ac: AhoCorasick | undefined;
  private readonly distinct: string[];

  constructor(needles: readonly string[]) {
    this.distinct = [...new Set(needles)];
    this.hasEmpty = this.distinct.includes('');
    this.byLength = new Map();
    for (const n of this.distinct) {
      let set = this.byLength.get(n.length);
      if (!set) this.byLength.set(n.length, (set = new Set()));
      set.add(n);
    }
    this.lengths = [...this.byLength.keys()].sort((a, b) => a - b);
  }

  private automaton(): AhoCorasick {
    return (this.ac ??= new AhoCorasick(this.distinct.filter((n) => n !== '')));
  }

  containsAny(s: string): boolean {
    return this.hasEmpty || this.automaton().findAny(s);
  }
  containsAll(s: string): boolean {
    return this.automaton().findAll(s);
  }
  startsWithAny(s: string): boolean {
    for (const len of this.lengths) {
      if (len > s.length) break;
      if (this.byLength.get(len)!.has(s.slice(0, len))) return true;
    }
    return false;
  }
  endsWithAny(s: string): boolean {
    for (const len of this.lengths) {
      if (len > s.length) break;
      if (this.byLength.get(len)!.has(s.slice(s.length - len))) return true;
    }
    return false;
  }
}

/**
 * Aho-Corasick over UTF-16 code units. States are numbered; `goto` is a Map per state (the
 * alphabet is large and sparse), `fail` the longest proper suffix that is also a state,
 * `word` the needle that ends exactly at a state (-1 if none) and `dict` the nearest state
 * along the fail chain where a needle ends (-1 if none). Scanning is amortized O(1) per unit.
 */
class AhoCorasick {
  private readonly goto: Map<number, number>[] = [new Map()];
  private readonly fail: number[] = [0];
  private readonly word: number[] = [-1];
  private readonly dict: number[] = [-1];
  private readonly count: number;

  /** `needles` must be distinct and non-empty. */
  constructor(needles: string[]) {
    this.count = needles.length;
    needles.forEach((n, id) => {
      let st = 0;
      for (let i = 0; i < n.length; i++) {
        const c = n.charCodeAt(i);
        let nx = this.goto[st]!.get(c);
        if (nx === undefined) {
          nx = this.goto.length;
          this.goto.push(new Map());
          this.fail.push(0);
          this.word.push(-1);
          this.dict.push(-1);
          this.goto[st]!.set(c, nx);
        }
        st = nx;
      }
      this.word[st] = id;
    });
    // Breadth-first: a state's links are computed after every shallower state's.
    const queue: number[] = [...this.goto[0]!.values()];
    for (let qi = 0; qi < queue.length; qi++) {
      const st = queue[qi]!;
      for (const [c, nx] of this.goto[st]!) {
        queue.push(nx);
        let f = this.fail[st]!;
        while (f !== 0 && !this.goto[f]!.has(c)) f = this.fail[f]!;
        const target = this.goto[f]!.get(c);
        const fl = target !== undefined && target !== nx ? target : 0;
        this.fail[nx] = fl;
        this.dict[nx] = this.word[fl]! >= 0 ? fl : this.dict[fl]!;
      }
    }
  }

  private step(st: number, c: number): number {
    for (;;) {
      const nx = this.goto[st]!.get(c);
      if (nx !== undefined) return nx;
      if (st === 0) return 0;
      st = this.fail[st]!;
    }
  }

  /** Whether any needle occurs in s. */
  findAny(s: string): boolean {
    if (this.count === 0) return false;
    let st = 0;
    for (let i = 0; i < s.length; i++) {
      st = this.step(st, s.charCodeAt(i));
      if (this.word[st]! >= 0 || this.dict[st]! >= 0) return true;
    }
    return false;
  }

  /** Whether every needle occurs in s. */
  findAll(s: string): boolean {
    if (this.count === 0) return true;
    const seen = new Uint8Array(this.count);
    let found = 0;
    let st = 0;
    for (let i = 0; i < s.length; i++) {
      st = this.step(st, s.charCodeAt(i));
      // Needles ending here: this state's and its dict chain. A needle seen before had all
      // of its suffix needles seen with it, so the walk stops at the first seen one: each
      // needle is visited once over the whole scan.
      let t = this.word[st]! >= 0 ? st : this.dict[st]!;
      while (t >= 0 && seen[this.word[t]!] === 0) {
        seen[this.word[t]!] = 1;
        if (++found === this.count) return true;
        t = this.dict[t]!;
      }
    }
    return false;
  }
}
