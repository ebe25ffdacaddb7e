// Runs `llm-policy serve`: the engine (with the Node entry's native RE2 and SHA-256), its policy
// source, state store and audit sinks, the HTTP server, and the shutdown on SIGTERM / SIGINT.
/// <reference types="node" />

import cluster from 'node:cluster';
import { statSync } from 'node:fs';
import { HttpAuditSink, StdoutAuditSink } from '../../entries/audit.js';
import { HttpBundleSource } from '../../entries/sources.js';
import type { BundleVerifyOptions } from '../../entries/index.js';
import {
  DirectorySource,
  FileAuditSink,
  PolicyEngine,
  PolicyError,
  type AuditRecord,
  type AuditSink,
  type PolicyFile,
  type PolicySource,
  type StateStore,
} from '../../entries/node.js';
import type { Io } from '../command.js';
import { CliError, display, EXIT } from '../io.js';
import { loadSetup } from '../load.js';
import { joinCluster, runPrimary, workerAuditPath, workerNumber } from './cluster.js';
import { DecisionServer } from './server.js';

export interface StartOptions {
  source: { kind: 'directory'; dir: string } | { kind: 'bundle'; url: string; headers: Record<string, string>; pollMs: number };
  /** Load signed bundles only, verified with this key (`--public-key`, `--hmac-secret-env`). */
  verify?: BundleVerifyOptions;
  host: string;
  port: number;
  maxBody: number;
  maxBatch: number;
  timeoutMs: number;
  shutdownMs: number;
  /** Server processes sharing the port (node:cluster); 1: this process serves. */
  workers: number;
  cache: number;
  /** `memory` or a redis:// URL. */
  state: string;
  /** Key prefix of the Redis store. */
  statePrefix?: string;
  audit: ({ kind: 'stdout' } | { kind: 'file'; path: string } | { kind: 'http'; url: string })[];
  auditChain: boolean;
  auditRotateBytes?: number;
  functions: string | undefined;
  inputSchema: string | undefined;
}

export async function start(io: Io, o: StartOptions): Promise<number> {
  const worker = workerNumber();
  if (o.workers > 1 && worker === undefined) {
    if (o.state === 'memory')
      io.err(
        `llm-policy serve: with --workers ${o.workers} and --state memory, each worker counts rate.* and budget.* on its own; use --state redis://... to share them`,
      );
    return runPrimary(io, o);
  }
  if (worker === undefined) return serveHere(io, o, undefined);
  try {
    return await serveHere(io, o, worker);
  } finally {
    // the channel to the primary would keep a worker that is done running; the worker's own
    // disconnect (not process.disconnect, after which the cluster exits 0) keeps its exit status
    cluster.worker?.disconnect();
  }
}

/** The server in this process: alone, or as worker `worker` of `--workers`. */
async function serveHere(io: Io, o: StartOptions, worker: number | undefined): Promise<number> {
  const log = (text: string) => io.err(`llm-policy serve${worker === undefined ? '' : ` [worker ${worker}]`}: ${text}`);
  const setup = await loadSetup({ functions: o.functions, inputSchema: o.inputSchema });
  if (o.source.kind === 'directory') {
    const st = statSync(o.source.dir, { throwIfNoEntry: false });
    if (!st?.isDirectory())
      throw new CliError(`\`--policies\` must be a directory, and \`${display(o.source.dir)}\` ${st ? 'is a file' : 'does not exist'}`, [
        {
          code: 'file',
          message: `\`--policies\` must be a directory, and \`${display(o.source.dir)}\` ${st ? 'is a file' : 'does not exist'}`,
          hint: st ? 'put the policy file in a directory of its own and give that' : 'check the path (a volume not mounted?)',
        },
      ]);
  }
  const state = await stateStore(o, log);
  const sink = auditSink(o, worker);
  const engine = new PolicyEngine({
    registry: setup.registry,
    ...(setup.inputSchema ? { inputSchema: setup.inputSchema } : {}),
    ...(state ? { state } : {}),
    ...(o.cache > 0 ? { cache: { max: o.cache } } : {}),
    ...(sink
      ? {
          audit: {
            sink,
            onError: (e: unknown, records: readonly AuditRecord[]) =>
              log(`audit: writing ${records.length} records failed: ${e instanceof Error ? e.message : String(e)}`),
          },
        }
      : {}),
  });
  let stopFromPrimary = () => {};
  const member =
    worker === undefined
      ? undefined
      : joinCluster(
          () => server.metrics.render(),
          () => stopFromPrimary(),
        );
  const server: DecisionServer = new DecisionServer({
    engine,
    maxBody: o.maxBody,
    maxBatch: o.maxBatch,
    timeoutMs: o.timeoutMs,
    ...(member ? { combineMetrics: member.combineMetrics } : {}),
  });
  const ready = server.readiness;
  const onReload = ({ revision, error }: { revision: string; error?: Error }) => {
    server.reloaded(error === undefined);
    if (error === undefined) {
      ready.reloadError = undefined;
      log(`reloaded: revision ${revision}, ${policiesText(engine)}`);
    } else {
      ready.reloadError = error.message;
      log(`reload failed, still deciding with revision ${revision}:\n${describe(error)}`);
    }
  };

  let stopRetry = () => {};
  if (o.source.kind === 'directory') {
    const dir = display(o.source.dir);
    const source = nonEmpty(
      new DirectorySource(o.source.dir, {
        onError: (e) => log(`watching ${dir}: ${e.message}`),
        ...(o.verify ? { verify: o.verify } : {}),
      }),
      dir,
    );
    try {
      await engine.loadFrom(source, { watch: true, onReload });
    } catch (e) {
      await engine.close();
      if (e instanceof PolicyError) {
        io.err(e.format());
        io.err(
          `llm-policy serve: ${e.issues.length} error${e.issues.length === 1 ? '' : 's'} in the policies of \`${display(o.source.dir)}\`: not starting`,
        );
        return EXIT.error;
      }
      throw new CliError(e instanceof Error ? e.message : String(e));
    }
    ready.loaded = true;
  }

  let address: string;
  try {
    const a = await server.listen(o.port, o.host);
    address = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  } catch (e) {
    await engine.close();
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the address is in use' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new CliError(`cannot listen on \`${o.host}:${o.port}\`: ${why}`, [
      { code: 'usage', message: `cannot listen on \`${o.host}:${o.port}\`: ${why}`, hint: 'choose another `--port` (0 picks a free one)' },
    ]);
  }
  if (member) member.listening(address);
  else io.out(`listening on ${address}`);

  if (o.source.kind === 'bundle') stopRetry = loadBundle(engine, server, o.source, onReload, log, o.verify);
  else log(`deciding with revision ${engine.revision}, ${policiesText(engine)} from ${display(o.source.dir)} (watched)`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`${signal} again: exiting without waiting`);
        process.exit(EXIT.failed);
      }
      stopping = true;
      log(`${signal}: finishing the requests in flight, then writing the audit trail`);
      stopRetry();
      void server
        .close(o.shutdownMs)
        .then(() => engine.close())
        .then(
          () => {
            const a = engine.stats().audit;
            if (a.enabled)
              log(`audit: ${a.written} records written${a.dropped + a.failed ? `, ${a.dropped} dropped, ${a.failed} failed` : ''}`);
            log('stopped');
            resolve(EXIT.ok);
          },
          (e: unknown) => {
            log(`closing failed: ${e instanceof Error ? e.message : String(e)}`);
            resolve(EXIT.failed);
          },
        )
        .finally(() => {
          // a client library that keeps the event loop alive must not keep a stopped server running
          setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
        });
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
    // the primary relays its SIGTERM as a message (a worker that got the terminal's SIGINT itself is already stopping)
    stopFromPrimary = () => {
      if (!stopping) shutdown('SIGTERM');
    };
  });
}

/**
 * The first bundle load, retried with backoff (1 s, doubling up to the polling period) until
 * it succeeds: the server answers /healthz meanwhile, and /readyz once a set is loaded.
 */
function loadBundle(
  engine: PolicyEngine,
  server: DecisionServer,
  src: { url: string; headers: Record<string, string>; pollMs: number },
  onReload: (r: { revision: string; error?: Error }) => void,
  log: (text: string) => void,
  verify: BundleVerifyOptions | undefined,
): () => void {
  const source = nonEmpty(
    new HttpBundleSource(src.url, { intervalMs: src.pollMs, headers: src.headers, ...(verify ? { verify } : {}) }),
    src.url,
  );
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wait = 1000;
  const attempt = async () => {
    try {
      await engine.loadFrom(source, { watch: true, onReload });
      if (stopped) return;
      server.readiness.loaded = true;
      server.readiness.reloadError = undefined;
      log(`deciding with revision ${engine.revision}, ${policiesText(engine)} from ${src.url} (polled every ${src.pollMs / 1000} s)`);
    } catch (e) {
      if (stopped) return;
      server.readiness.reloadError = (e as Error).message;
      log(`loading the bundle failed (retrying in ${wait / 1000} s):\n${describe(e as Error)}`);
      timer = setTimeout(() => void attempt(), wait);
      wait = Math.min(wait * 2, Math.max(src.pollMs, 1000));
    }
  };
  void attempt();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** A source whose empty set is a load error: a directory or bundle with no policy must not turn into allow-everything. */
function nonEmpty(source: PolicySource, where: string): PolicySource {
  return {
    async load(): Promise<PolicyFile[]> {
      const files = await source.load();
      if (files.length === 0)
        throw new Error(`no policy files in \`${where}\` (policy files are .yaml, .yml or .json files with \`kind: Policy\`)`);
      return files;
    },
    ...(source.watch ? { watch: (onChange: () => void) => source.watch!(onChange) } : {}),
  };
}

async function stateStore(o: StartOptions, log: (text: string) => void): Promise<StateStore | undefined> {
  const spec = o.state;
  if (spec === 'memory') return undefined;
  let mod: typeof import('../../entries/redis.js');
  try {
    mod = await import('../../entries/redis.js');
  } catch (e) {
    throw new CliError(`cannot use \`--state ${spec}\`: the \`redis\` package does not load (${(e as Error).message.split('\n')[0]})`, [
      { code: 'usage', message: 'cannot load the Redis state store', hint: 'install it beside llm-policy-engine: `npm install redis`' },
    ]);
  }
  return new mod.RedisStateStore({
    url: spec,
    ...(o.statePrefix !== undefined ? { prefix: o.statePrefix } : {}),
    onError: (e) => log(`state: ${e.message}`),
  });
}

function auditSink(o: StartOptions, worker: number | undefined): AuditSink | undefined {
  const sinks: AuditSink[] = o.audit.map((a) => {
    if (a.kind === 'stdout') return new StdoutAuditSink();
    if (a.kind === 'http') return new HttpAuditSink({ url: a.url });
    return new FileAuditSink({
      path: worker === undefined ? a.path : workerAuditPath(a.path, worker),
      chain: o.auditChain,
      ...(o.auditRotateBytes !== undefined ? { rotate: { maxBytes: o.auditRotateBytes } } : {}),
    });
  });
  return sinks.length <= 1 ? sinks[0] : fanOut(sinks);
}

/** Every batch to every sink; the batch counts as failed (engine stats) when any sink fails it. */
function fanOut(sinks: AuditSink[]): AuditSink {
  const all = async (f: (s: AuditSink) => void | Promise<void>) => {
    const results = await Promise.allSettled(sinks.map(async (s) => f(s)));
    const bad = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (bad) throw bad.reason;
  };
  return {
    write: (records) => all((s) => s.write(records)),
    flush: () => all((s) => s.flush?.()),
    close: () => all((s) => s.close?.()),
  };
}

function policiesText(engine: PolicyEngine): string {
  const n = engine.policies().length;
  return `${n} polic${n === 1 ? 'y' : 'ies'}`;
}

function describe(e: Error): string {
  return e instanceof PolicyError ? e.format() : `  ${e.message}`;
}
