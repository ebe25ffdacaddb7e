// Starts the real, built `llm-policy serve` (dist/cli.js) as a child process on a free port and
// talks to it over HTTP; a Prometheus text-format parser for /metrics.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { cli, root } from '../cli/run.js';

export const GATE = readFileSync(join(root, 'bench/policies/gate.yaml'), 'utf8');

export interface Served {
  url: string;
  proc: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
});

/** `llm-policy serve --port 0 <args>`, resolved once it prints its address. */
export function serve(args: string[], options: { waitMs?: number } = {}): Promise<Served> {
  const proc = spawn(process.execPath, [cli, 'serve', '--port', '0', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      running.delete(proc);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not start in time\nstdout: ${out}\nstderr: ${err}`)),
      options.waitMs ?? 30_000,
    );
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.stdout!.off('data', check);
      resolve({
        url: m[1]!,
        proc,
        stdout: () => out,
        stderr: () => err,
        exited,
        stop: (signal = 'SIGTERM') => {
          proc.kill(signal);
          return exited;
        },
      });
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

/** Runs serve expecting it to exit at once (usage and load errors). */
export async function serveFails(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const proc = spawn(process.execPath, [cli, 'serve', '--port', '0', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  running.delete(proc);
  return { code, stderr: err };
}

// biome-ignore lint/suspicious/noExplicitAny: the tests read the response body's fields directly
export async function post(url: string, body: unknown): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

export async function get(url: string): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** Polls until `fn` returns a truthy value (reloads are asynchronous); fails after `ms`. */
export async function until<T>(fn: () => Promise<T | undefined | false>, ms = 15_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ------------------------------------------------------------------ Prometheus text format 0.0.4

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface MetricFamily {
  name: string;
  type: string;
  help: string | undefined;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * Parses an exposition, checking the rules of the text format: HELP/TYPE lines before their
 * samples and at most once per family, families contiguous, valid names, label escaping
 * (`\\`, `\"`, `\n` only), float values, no duplicate series, a final newline, and for
 * histograms cumulative buckets ending in `le="+Inf"` equal to `_count`, with `_sum`.
 * Throws with the line at fault.
 */
export function parsePrometheus(text: string): Map<string, MetricFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, MetricFamily>();
  const closed = new Set<string>();
  let current: MetricFamily | undefined;
  const seen = new Set<string>();
  const family = (name: string, n: number): MetricFamily => {
    let f = families.get(name);
    if (!f) {
      if (current) closed.add(current.name);
      families.set(name, (f = { name, type: 'untyped', help: undefined, samples: [] }));
    } else if (f !== current && closed.has(name)) throw new Error(`line ${n}: family \`${name}\` is not contiguous`);
    current = f;
    return f;
  };
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    const n = i + 1;
    if (line === '') throw new Error(`line ${n}: empty line`);
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/s.exec(line);
      if (!m) return; // a comment
      const [, kind, name, rest] = m;
      if (!NAME.test(name!)) throw new Error(`line ${n}: invalid metric name \`${name}\``);
      const f = family(name!, n);
      if (kind === 'HELP') {
        if (f.help !== undefined) throw new Error(`line ${n}: second HELP for \`${name}\``);
        if (/\\[^\\n]/.test(rest!.replace(/\\\\/g, ''))) throw new Error(`line ${n}: invalid escape in HELP`);
        f.help = rest!.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
      } else {
        if (f.samples.length || f.type !== 'untyped') throw new Error(`line ${n}: TYPE for \`${name}\` after its samples or twice`);
        if (!TYPES.has(rest!)) throw new Error(`line ${n}: unknown type \`${rest}\``);
        f.type = rest!;
      }
      return;
    }
    const s = parseSample(line, n);
    const base =
      current &&
      (s.name === current.name ||
        (current.type === 'histogram' &&
          /_(bucket|sum|count)$/.test(s.name) &&
          s.name.replace(/_(bucket|sum|count)$/, '') === current.name));
    const f = base ? current! : family(s.name, n);
    const key = `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
    if (seen.has(key)) throw new Error(`line ${n}: duplicate series ${line}`);
    seen.add(key);
    f.samples.push(s);
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function parseSample(line: string, n: number): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{|\s)/.exec(line);
  if (!m) throw new Error(`line ${n}: invalid sample \`${line}\``);
  const name = m[1]!;
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(i));
      if (!lm || !LABEL.test(lm[1]!)) throw new Error(`line ${n}: invalid label at column ${i + 1}`);
      i += lm[0].length;
      let v = '';
      for (;;) {
        const c = line[i++];
        if (c === undefined) throw new Error(`line ${n}: unterminated label value`);
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i++];
          if (e === '\\') v += '\\';
          else if (e === '"') v += '"';
          else if (e === 'n') v += '\n';
          else throw new Error(`line ${n}: invalid escape \`\\${e}\` in a label value`);
        } else v += c;
      }
      if (lm[1]! in labels) throw new Error(`line ${n}: label \`${lm[1]}\` twice`);
      labels[lm[1]!] = v;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`line ${n}: expected \`,\` or \`}\` at column ${i + 1}`);
    }
    i++;
  }
  const rest = line.slice(i);
  const vm = /^ ([^ ]+)( -?\d+)?$/.exec(rest);
  if (!vm) throw new Error(`line ${n}: invalid value part \`${rest}\``);
  const raw = vm[1]!;
  const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw === 'NaN' ? NaN : Number(raw);
  if (Number.isNaN(value) && raw !== 'NaN') throw new Error(`line ${n}: invalid value \`${raw}\``);
  if (!/^[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|Inf|NaN)$/.test(raw)) throw new Error(`line ${n}: invalid float \`${raw}\``);
  return { name, labels, value };
}

function checkHistogram(f: MetricFamily): void {
  const groups = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { buckets: [] }));
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}: a bucket without \`le\``);
      g.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
    } else if (s.name === `${f.name}_sum`) g.sum = s.value;
    else if (s.name === `${f.name}_count`) g.count = s.value;
    else throw new Error(`${f.name}: unexpected sample \`${s.name}\``);
  }
  for (const [key, g] of groups) {
    if (g.sum === undefined || g.count === undefined) throw new Error(`${f.name}${key}: missing _sum or _count`);
    const last = g.buckets[g.buckets.length - 1];
    if (!last || last[0] !== Infinity) throw new Error(`${f.name}${key}: no le="+Inf" bucket last`);
    if (last[1] !== g.count) throw new Error(`${f.name}${key}: +Inf bucket ${last[1]} != count ${g.count}`);
    for (let i = 1; i < g.buckets.length; i++) {
      if (!(g.buckets[i]![0] > g.buckets[i - 1]![0])) throw new Error(`${f.name}${key}: bucket bounds not increasing`);
      if (g.buckets[i]![1] < g.buckets[i - 1]![1]) throw new Error(`${f.name}${key}: bucket counts not cumulative`);
    }
  }
}

/** The value of one series, or undefined. */
export function sample(
  families: Map<string, MetricFamily>,
  family: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const f = families.get(family);
  return f?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
