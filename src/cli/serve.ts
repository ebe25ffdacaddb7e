// `llm-policy serve`: the decision server (docs/serve.md). This file reads and checks the
// options; serve/start.ts builds the engine, its source and sinks, and runs the server. It is
// loaded only by this command, so the other commands do not pay for node:http or the native
// regex addon.

import { availableParallelism } from 'node:os';
import { ENGINE_HELP, ENGINE_OPTIONS, usage, type Command } from './command.js';
import { readText } from './io.js';
import type { StartOptions } from './serve/start.js';

const HELP = `Usage: llm-policy serve (--policies <dir> | --bundle <url>) [options]

Serves decisions over HTTP for services that do not embed the engine (Python, Go, gateways):
  POST /v1/decide        {"input": {...}, "options": {"explain": true}}  ->  the decision
  POST /v1/decide/batch  {"inputs": [{...}, ...]}                        ->  {"decisions": [...]}
  GET  /healthz          liveness          GET /readyz   200 once a policy set is loaded
  GET  /metrics          Prometheus text: decisions by effect, latency, cache, audit queue
Prints \`listening on http://<host>:<port>\` on standard output once it accepts requests; logs
go to standard error. SIGTERM or SIGINT: stop accepting, finish the requests in flight, write
every queued audit record, exit 0.

Policies (one of):
  -p, --policies <dir>     a directory of policy files, reloaded when they change
  --bundle <url>           an HTTP(S) policy bundle, polled (ETag); the server starts before
                           the first fetch succeeds and is ready once it has
  --poll <duration>        bundle polling period (default 30s)
  --bundle-header <h: v>   a header for bundle requests, e.g. \`authorization: Bearer ...\` (repeatable)
  --public-key <file>      load signed bundles only (\`llm-policy bundle build\`), verified with
                           this Ed25519 public key (PEM); a directory must hold bundles
  --hmac-secret-env <NAME> the same with an HMAC-SHA256 secret from this environment variable

Server:
  --host <address>         address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --port <n>               port (default 8787; 0 picks a free one)
  --max-body <size>        largest request body: bytes, or with kb / mb (default 1mb); larger: 413
  --max-batch <n>          most inputs in one batch (default 1000); more: 413
  --timeout <duration>     deadline for receiving a request, headers and body (default 10s); later: 408
  --shutdown-timeout <d>   how long requests in flight may take after SIGTERM (default 10s)
  --workers <n|auto>       server processes sharing the port (default 1; auto: one per core);
                           each loads and watches the policies; /metrics adds them up

Engine:
  --cache <n>              decision cache of n entries, for pure policies (default off)
  --state <memory|url>     state store for rate.* and budget.*: memory (default), or a
                           redis:// URL shared by every instance (needs the \`redis\` package)
  --state-prefix <p>       prefix of the Redis keys (default lpe:)
${ENGINE_HELP}

Audit (repeatable; every decision is recorded in each sink):
  --audit stdout           JSON lines on standard output
  --audit file:<path>      JSON lines appended to a file
  --audit <http(s) url>    batches POSTed to a collector, with retries
  --audit-chain            hash-chain the file sinks (check with \`llm-policy audit verify\`)
  --audit-rotate <size>    start a new audit file past this size (e.g. 100mb)

  -h, --help               show this help

Durations: 500ms, 10s, 5m. Exit status: 0 after a clean shutdown, 2 on a usage error or when
the policy directory does not load at startup.

Examples:
  llm-policy serve --policies ./policies --port 8787 --audit file:/var/log/llm-policy/audit.log
  llm-policy serve --bundle https://policies.internal/bundle.json --host 0.0.0.0 --audit stdout
  curl -s localhost:8787/v1/decide -d '{"input": {"user": {"tier": "free"}, "request": {"model": "gpt-4o"}}}'`;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve decisions over HTTP (a sidecar for services in any language)',
  help: HELP,
  options: {
    ...ENGINE_OPTIONS,
    policies: { type: 'string', short: 'p' },
    bundle: { type: 'string' },
    poll: { type: 'string' },
    'bundle-header': { type: 'string', multiple: true },
    'public-key': { type: 'string' },
    'hmac-secret-env': { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    'max-body': { type: 'string' },
    'max-batch': { type: 'string' },
    timeout: { type: 'string' },
    'shutdown-timeout': { type: 'string' },
    workers: { type: 'string' },
    cache: { type: 'string' },
    state: { type: 'string' },
    'state-prefix': { type: 'string' },
    audit: { type: 'string', multiple: true },
    'audit-chain': { type: 'boolean' },
    'audit-rotate': { type: 'string' },
  },
  async run(io, values, positionals) {
    const options = startOptions(values, positionals);
    const { start } = await import('./serve/start.js');
    return start(io, options);
  },
};

/** The checked options; every problem is a usage error (exit 2) before anything starts. */
export function startOptions(values: Record<string, unknown>, positionals: string[]): StartOptions {
  const str = (k: string) => values[k] as string | undefined;
  if (positionals.length)
    throw usage(`unexpected argument \`${positionals[0]}\`: give the policies with \`--policies <dir>\``, serveCommand);
  const policies = str('policies');
  const bundle = str('bundle');
  if ((policies === undefined) === (bundle === undefined))
    throw usage(
      policies === undefined
        ? 'no policies given: use `--policies <dir>` or `--bundle <url>`'
        : 'give `--policies` or `--bundle`, not both',
      serveCommand,
    );
  if (bundle !== undefined && !/^https?:\/\/./i.test(bundle))
    throw usage(`\`--bundle\` must be an http(s) URL, got \`${bundle}\``, serveCommand);
  const headers: Record<string, string> = {};
  for (const h of (values['bundle-header'] as string[] | undefined) ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) throw usage(`\`--bundle-header\` must be \`name: value\`, got \`${h}\``, serveCommand);
    headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  let verify: StartOptions['verify'];
  if (str('public-key') !== undefined && str('hmac-secret-env') !== undefined)
    throw usage('give `--public-key` or `--hmac-secret-env`, not both', serveCommand);
  if (str('public-key') !== undefined) verify = { publicKey: readText(str('public-key')!) };
  const secretEnv = str('hmac-secret-env');
  if (secretEnv !== undefined) {
    const secret = process.env[secretEnv];
    if (!secret) throw usage(`the environment variable \`${secretEnv}\` (--hmac-secret-env) is not set`, serveCommand);
    verify = { hmacSecret: secret };
  }
  const port = integer('port', str('port'), 8787, 0, 65535);
  const audit = ((values.audit as string[] | undefined) ?? []).map((spec): StartOptions['audit'][number] => {
    if (spec === 'stdout') return { kind: 'stdout' };
    if (/^https?:\/\/./i.test(spec)) return { kind: 'http', url: spec };
    if (spec.startsWith('file:') && spec.length > 5) return { kind: 'file', path: spec.slice(5) };
    throw usage(`unknown audit sink \`${spec}\`: use \`stdout\`, \`file:<path>\` or an http(s) URL`, serveCommand);
  });
  const rotate = str('audit-rotate');
  if ((values['audit-chain'] === true || rotate !== undefined) && !audit.some((a) => a.kind === 'file'))
    throw usage('`--audit-chain` and `--audit-rotate` apply to file sinks: add `--audit file:<path>`', serveCommand);
  const state = str('state') ?? 'memory';
  if (state !== 'memory' && !/^rediss?:\/\/./i.test(state))
    throw usage(`\`--state\` must be \`memory\` or a redis:// URL, got \`${state}\``, serveCommand);
  if (str('state-prefix') !== undefined && state === 'memory')
    throw usage('`--state-prefix` applies to a Redis state store: add `--state redis://...`', serveCommand);
  return {
    source:
      policies !== undefined
        ? { kind: 'directory', dir: policies }
        : { kind: 'bundle', url: bundle!, headers, pollMs: duration('poll', str('poll'), 30_000) },
    ...(verify ? { verify } : {}),
    host: str('host') ?? '127.0.0.1',
    port,
    maxBody: size('max-body', str('max-body'), 1024 * 1024),
    maxBatch: integer('max-batch', str('max-batch'), 1000, 1, 1_000_000),
    timeoutMs: duration('timeout', str('timeout'), 10_000),
    shutdownMs: duration('shutdown-timeout', str('shutdown-timeout'), 10_000),
    workers: str('workers') === 'auto' ? availableParallelism() : integer('workers', str('workers'), 1, 1, 256),
    cache: integer('cache', str('cache'), 0, 0, 10_000_000),
    state,
    ...(str('state-prefix') !== undefined ? { statePrefix: str('state-prefix') } : {}),
    audit,
    auditChain: values['audit-chain'] === true,
    ...(rotate !== undefined ? { auditRotateBytes: size('audit-rotate', rotate, 0) } : {}),
    functions: str('functions'),
    inputSchema: str('input-schema'),
  };
}

function integer(name: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw usage(`\`--${name}\` must be a whole number from ${min} to ${max}, got \`${v}\``, serveCommand);
  return n;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 };

/** `1048576`, `512kb`, `1mb` (binary units) as bytes. */
export function size(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(v.trim());
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  const n = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!(n >= 1)) throw usage(`\`--${name}\` must be a size such as \`1048576\`, \`512kb\` or \`1mb\`, got \`${v}\``, serveCommand);
  return n;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `10s`, `5m`, `1h` as milliseconds (a bare number is refused: which unit would it be?). */
export function duration(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v.trim());
  const n = m ? Number(m[1]) * DURATION_UNITS[m[2]!]! : NaN;
  if (!(n >= 1 && n <= 2_147_483_647))
    throw usage(`\`--${name}\` must be a duration such as \`500ms\`, \`10s\` or \`5m\`, got \`${v}\``, serveCommand);
  return n;
}
