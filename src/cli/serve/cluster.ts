// `llm-policy serve --workers <n>`: n server processes sharing the port through node:cluster.
// Over keep-alive HTTP a decision costs the server tens of microseconds in Node's HTTP stack
// (docs/performance.md), so one process answers at most what one core can; workers are how a
// sidecar uses more cores. Each worker is a whole server: it loads and watches the policy
// source, has its own engine, cache and audit sinks, and shuts down on its own. The primary
// only starts them, restarts one that dies, relays signals, and adds up their /metrics.
/// <reference types="node" />

import cluster, { type Worker } from 'node:cluster';
import { basename, dirname, extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Io } from '../command.js';
import { EXIT } from '../io.js';
import { mergeExpositions } from './metrics.js';
import type { StartOptions } from './start.js';

/** Messages between the primary and the workers, over the cluster's IPC channel. */
type Message =
  | { lpe: 'listening'; address: string }
  | { lpe: 'shutdown' }
  | { lpe: 'metrics'; id: number }
  | { lpe: 'collect'; id: number }
  | { lpe: 'metrics-part'; id: number; text: string }
  | { lpe: 'metrics-result'; id: number; text: string };

const WORKER_ENV = 'LLM_POLICY_SERVE_WORKER';

/** This process's worker number (1..n) under `--workers`, or undefined. */
export function workerNumber(): number | undefined {
  return cluster.isWorker ? Number(process.env[WORKER_ENV]) : undefined;
}

/**
 * The file a worker's `--audit file:<path>` writes: `audit.log` becomes `audit.w2.log` for
 * worker 2. One file per worker, because a hash chain and rotation belong to one writer.
 */
export function workerAuditPath(path: string, worker: number): string {
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.w${worker}${ext}`);
}

/** Gauges that are not added up across workers. */
const COMBINE = {
  llm_policy_ready: 'min',
  llm_policy_reload_error: 'max',
  llm_policy_revision_info: 'max',
  llm_policy_policies: 'max',
} as const;

/** In a worker: tells the primary it listens, and serves its share of a /metrics scrape. */
export function joinCluster(
  render: () => string,
  onShutdown: () => void,
): {
  listening(address: string): void;
  combineMetrics(local: string): Promise<string>;
} {
  const send = (m: Message) => process.send?.(m);
  const pending = new Map<number, (text: string) => void>();
  let next = 0;
  process.on('message', (m: Message) => {
    if (m.lpe === 'collect') send({ lpe: 'metrics-part', id: m.id, text: render() });
    else if (m.lpe === 'metrics-result') pending.get(m.id)?.(m.text);
    else if (m.lpe === 'shutdown') onShutdown();
  });
  return {
    listening: (address) => send({ lpe: 'listening', address }),
    combineMetrics: (local) =>
      new Promise((resolve) => {
        const id = next++;
        // a primary that does not answer (it is going away) leaves this worker's own figures
        const timer = setTimeout(() => done(local), 2000);
        const done = (text: string) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(text);
        };
        pending.set(id, done);
        send({ lpe: 'metrics', id });
      }),
  };
}

/** The primary: starts `o.workers` workers, prints the address once all listen, and runs until a signal has stopped them. */
export async function runPrimary(io: Io, o: StartOptions): Promise<number> {
  const log = (text: string) => io.err(`llm-policy serve: ${text}`);
  // worker output comes through here, whole lines at a time: audit lines on standard output
  // (`--audit stdout`) from several processes must not interleave mid-line
  cluster.setupPrimary({ silent: true });
  const live = new Map<number, Worker>();
  let stopping = false;
  let address: string | undefined;
  let nextCollect = 0;
  const collections = new Map<number, { parts: string[]; expect: number; done: () => void }>();

  const fork = (n: number): Promise<Worker> => {
    const w = cluster.fork({ [WORKER_ENV]: String(n) });
    live.set(n, w);
    forwardLines(w.process.stdout!, (t) => process.stdout.write(t));
    forwardLines(w.process.stderr!, (t) => process.stderr.write(t));
    w.on('message', (m: Message) => {
      if (m.lpe === 'metrics') collect(w, m.id);
      else if (m.lpe === 'metrics-part') {
        const c = collections.get(m.id);
        if (c) {
          c.parts.push(m.text);
          if (c.parts.length === c.expect) c.done();
        }
      }
    });
    return new Promise((resolve, reject) => {
      w.on('message', (m: Message) => {
        if (m.lpe !== 'listening') return;
        address ??= m.address;
        resolve(w);
      });
      w.once('exit', (code, signal) => {
        if (live.get(n) === w) live.delete(n);
        reject(Object.assign(new Error(`worker ${n} exited (${signal ?? code})`), { code }));
        if (stopping || address === undefined) return;
        // a worker that dies while serving is replaced; the others answer meanwhile
        log(`worker ${n} exited (${signal ?? `status ${code}`}): starting another`);
        setTimeout(() => {
          if (!stopping) fork(n).catch(() => {});
        }, 1000);
      });
    });
  };

  /** Asks every worker for its exposition and answers the one that was scraped with their sum. */
  const collect = (from: Worker, id: number) => {
    const key = nextCollect++;
    const workers = [...live.values()];
    const c = {
      parts: [] as string[],
      expect: workers.length,
      done: () => {
        clearTimeout(timer);
        collections.delete(key);
        const text = `${mergeExpositions(c.parts, COMBINE)}# HELP llm_policy_workers Worker processes whose figures this exposition adds up.\n# TYPE llm_policy_workers gauge\nllm_policy_workers ${c.parts.length}\n`;
        if (from.isConnected()) from.send({ lpe: 'metrics-result', id, text } satisfies Message);
      },
    };
    const timer = setTimeout(c.done, 1000);
    collections.set(key, c);
    for (const w of workers) if (w.isConnected()) w.send({ lpe: 'collect', id: key } satisfies Message);
  };

  // the first worker alone: a policy set that does not load is reported once, not n times
  try {
    await fork(1);
    await Promise.all(Array.from({ length: o.workers - 1 }, (_, i) => fork(i + 2)));
  } catch (e) {
    stopping = true;
    for (const w of live.values()) w.process.kill('SIGTERM');
    await Promise.all([...live.values()].map((w) => new Promise((r) => (w.isDead() ? r(null) : w.once('exit', r)))));
    const code = (e as { code?: number | null }).code;
    return typeof code === 'number' && code !== 0 ? code : EXIT.failed;
  }
  io.out(`listening on ${address}`);
  log(`${o.workers} worker processes share the port`);

  return new Promise<number>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`${signal} again: exiting without waiting`);
        for (const w of live.values()) w.process.kill('SIGKILL');
        process.exit(EXIT.failed);
      }
      stopping = true;
      log(`${signal}: stopping the workers`);
      let failed = false;
      const exits = [...live.values()].map(
        (w) =>
          new Promise<void>((r) => {
            if (w.isDead()) return r();
            w.once('exit', (code) => {
              if (code !== 0) failed = true;
              r();
            });
            if (w.isConnected()) w.send({ lpe: 'shutdown' } satisfies Message);
            else w.process.kill('SIGTERM');
          }),
      );
      void Promise.all(exits).then(() => {
        log(failed ? 'stopped (a worker did not stop cleanly)' : 'stopped');
        resolve(failed ? EXIT.failed : EXIT.ok);
      });
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  });
}

/** Copies a stream to `write` in whole lines (the last, unfinished one when the stream ends). */
function forwardLines(stream: Readable, write: (text: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const end = chunk.lastIndexOf('\n');
    if (end < 0) {
      rest += chunk;
      return;
    }
    write(rest + chunk.slice(0, end + 1));
    rest = chunk.slice(end + 1);
  });
  stream.on('end', () => {
    if (rest) write(rest);
  });
}
