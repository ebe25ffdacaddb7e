// Spawns the real, built `llm-policy` binary (dist/cli.js). CI builds before testing; locally,
// the first CLI test file rebuilds when dist/cli.js is older than the sources (see ensureBuilt).
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll } from 'vitest';

export const root = resolve(__dirname, '../..');
export const cli = join(root, 'dist/cli.js');

function newest(dir: string): number {
  let t = 0;
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return t;
}

/** Whether dist/cli.js exists and is newer than every source file. */
export function builtAndFresh(): { built: boolean; fresh: boolean } {
  if (!existsSync(cli)) return { built: false, fresh: false };
  const built = statSync(cli).mtimeMs;
  const src = Math.max(newest(join(root, 'src')), newest(join(root, 'builtins')));
  return { built: true, fresh: built >= src };
}

/**
 * Builds the package when dist/cli.js is missing (one test file at a time). A stale build (older
 * than the sources) is used with a warning rather than rebuilt: a rebuild cleans dist/ under the
 * feet of other test files that use it. CI builds first; locally run `npm run build` (or set
 * LLM_POLICY_REBUILD=1 to rebuild a stale one). With LLM_POLICY_NO_BUILD=1 nothing is built and
 * the CLI tests are skipped when dist/cli.js is absent.
 */
export function ensureBuilt(): boolean {
  const s = builtAndFresh();
  if (s.fresh) return true;
  if (s.built && !process.env.LLM_POLICY_REBUILD) {
    warnStale();
    return true;
  }
  if (process.env.LLM_POLICY_NO_BUILD) return s.built;
  const lock = join(root, 'node_modules/.cache/llm-policy-cli-build.lock');
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`stale lock ${lock}: remove it`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    const now = builtAndFresh();
    if (!now.built || (!now.fresh && process.env.LLM_POLICY_REBUILD)) execSync('npm run build', { cwd: root, stdio: 'ignore' });
  } finally {
    rmdirSync(lock);
  }
  return existsSync(cli);
}

let warned = false;
function warnStale(): void {
  if (warned) return;
  warned = true;
  console.warn('test/cli: dist/cli.js is older than src/: testing the stale build (run `npm run build`, or set LLM_POLICY_REBUILD=1)');
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(args: string[], options: { cwd?: string; input?: string; env?: Record<string, string | undefined> } = {}): Result {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...options.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd: options.cwd ?? root,
    input: options.input ?? '',
    encoding: 'utf8',
    env: env as NodeJS.ProcessEnv,
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const created: string[] = [];
// registered while the importing test file is collected: runs after that file's tests
afterAll(() => {
  for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory with the given files (removed after the test file). */
export function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-policy-cli-'));
  created.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export const POLICY = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: tiers }
spec:
  rules:
    - id: free-big-models
      when: user.tier == 'free' && request.model != 'small'
      effect: deny
      message: "Model {{ request.model }} is not for the free tier"
    - id: route
      when: user.tier == 'pro' && request.model == 'old'
      effect: allow
      obligations:
        - route: { model: new }
`;

export const UNKNOWN_FUNCTION = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: bad }
spec:
  rules:
    - id: one
      when: request.model == 'x' && nosuch(request)
      effect: deny
`;

export const YAML_ERROR = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: y }
spec:
  rules:
    - id: one
      when: 'a' in b
      effect: deny
`;
