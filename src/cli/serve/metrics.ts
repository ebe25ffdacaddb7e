// Prometheus text exposition (format 0.0.4) for `llm-policy serve`, without a client library:
// a handful of counters, gauges and one histogram family, rendered on scrape. The hot path
// only increments numbers; labels are fixed when a series is created.
/// <reference types="node" />

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;

/** One sample line's label part, `{a="x",b="y"}`, escaped as the format requires. */
export function labelText(labels: Labels | undefined, extra?: [string, string]): string {
  const parts: string[] = [];
  if (labels) for (const k of Object.keys(labels)) parts.push(`${k}="${escapeLabel(labels[k]!)}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** A number as the format writes it: `+Inf`, `-Inf`, `NaN`, or Go-style float text. */
export function numberText(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Number.isNaN(n)) return 'NaN';
  return String(n);
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  lines(out: string[]): void;
}

/** Counters and gauges: one value per label set, set or added to by the owner. */
export class Series {
  private readonly values = new Map<string, { labels: Labels | undefined; value: number }>();

  /** The cell of one label set, for hot-path increments without a map lookup. */
  cell(labels?: Labels): { value: number } {
    const key = labelText(labels);
    let c = this.values.get(key);
    if (!c) this.values.set(key, (c = { labels, value: 0 }));
    return c;
  }

  lines(name: string, out: string[]): void {
    for (const [key, c] of this.values) out.push(`${name}${key} ${numberText(c.value)}`);
  }

  clear(): void {
    this.values.clear();
  }
}

/** A histogram with fixed upper bounds (seconds), one per label set. */
export class Histogram {
  readonly bounds: readonly number[];
  private readonly series = new Map<string, { labels: Labels | undefined; counts: Float64Array; sum: number; count: number }>();

  constructor(bounds: readonly number[]) {
    if (bounds.some((b, i) => !(b > (bounds[i - 1] ?? -Infinity)) || !Number.isFinite(b)))
      throw new Error('histogram bounds must be finite and increasing');
    this.bounds = bounds;
  }

  /** An observer for one label set. */
  observer(labels?: Labels): (value: number) => void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: new Float64Array(this.bounds.length), sum: 0, count: 0 }));
    const bounds = this.bounds;
    const cell = s;
    return (v) => {
      // counts are per bucket here; they are made cumulative when rendered
      let i = 0;
      while (i < bounds.length && v > bounds[i]!) i++;
      if (i < bounds.length) cell.counts[i]!++;
      cell.sum += v;
      cell.count++;
    };
  }

  lines(name: string, out: string[]): void {
    for (const s of this.series.values()) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i]!;
        out.push(`${name}_bucket${labelText(s.labels, ['le', numberText(this.bounds[i]!)])} ${acc}`);
      }
      out.push(`${name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}`);
      out.push(`${name}_sum${labelText(s.labels)} ${numberText(s.sum)}`);
      out.push(`${name}_count${labelText(s.labels)} ${s.count}`);
    }
  }
}

/** The families of one exposition, rendered in the order they were added. */
export class Registry {
  private readonly families: Family[] = [];
  /** Called before every render, to copy values kept elsewhere (engine stats) into gauges. */
  private readonly collectors: (() => void)[] = [];

  counter(name: string, help: string): Series {
    return this.add(name, help, 'counter', new Series());
  }

  gauge(name: string, help: string): Series {
    return this.add(name, help, 'gauge', new Series());
  }

  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    return this.add(name, help, 'histogram', new Histogram(bounds));
  }

  collect(fn: () => void): void {
    this.collectors.push(fn);
  }

  render(): string {
    for (const c of this.collectors) c();
    const out: string[] = [];
    for (const f of this.families) {
      out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
      f.lines(out);
    }
    return `${out.join('\n')}\n`;
  }

  private add<T extends Series | Histogram>(name: string, help: string, type: Family['type'], m: T): T {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`invalid metric name \`${name}\``);
    if (this.families.some((f) => f.name === name)) throw new Error(`metric \`${name}\` is registered twice`);
    this.families.push({ name, help, type, lines: (out) => m.lines(name, out) });
    return m;
  }
}

/**
 * Several expositions of the same families (one per worker process of `serve --workers`) as one:
 * every sample added up, except the families in `combine`, taken as their minimum or maximum
 * (a gauge such as "ready" is 1 only when every worker is). Families and samples keep the order
 * in which they first appear.
 */
export function mergeExpositions(texts: readonly string[], combine: Readonly<Record<string, 'min' | 'max'>> = {}): string {
  const families = new Map<string, { head: string[]; samples: Map<string, number> }>();
  for (const text of texts) {
    let family: { head: string[]; samples: Map<string, number> } | undefined;
    let how: 'sum' | 'min' | 'max' = 'sum';
    let fresh = false;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line.startsWith('# ')) {
        const [, kind, name] = line.split(' ', 3) as [string, string, string];
        if (kind === 'HELP') {
          family = families.get(name);
          fresh = family === undefined;
          if (family === undefined) families.set(name, (family = { head: [], samples: new Map() }));
          how = combine[name] ?? 'sum';
        }
        if (fresh) family?.head.push(line);
        continue;
      }
      if (family === undefined) continue;
      const sp = line.lastIndexOf(' ');
      const key = line.slice(0, sp);
      const v = Number(line.slice(sp + 1).replace('Inf', 'Infinity'));
      const was = family.samples.get(key);
      family.samples.set(key, was === undefined ? v : how === 'sum' ? was + v : how === 'min' ? Math.min(was, v) : Math.max(was, v));
    }
  }
  const out: string[] = [];
  for (const f of families.values()) {
    out.push(...f.head);
    for (const [key, v] of f.samples) out.push(`${key} ${numberText(v)}`);
  }
  return `${out.join('\n')}\n`;
}
