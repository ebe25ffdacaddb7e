// Shared fixtures of the audit tests.
import { MemoryAuditSink } from '../../src/entries/audit.js';
import { PolicyEngine, type AuditRecord, type AuditSink, type PolicyEngineOptions } from '../../src/entries/index.js';

export const POLICY = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: gate, namespace: acme, version: 1.2.0 }
spec:
  rules:
    - id: too-many-tokens
      when: request.max_tokens > 1000
      effect: deny
      message: "{{ user.email }} asked for {{ request.max_tokens }} tokens"
    - id: big-model
      when: request.model == 'gpt-4'
      effect: warn
      obligations:
        - log: { level: high }
    - id: broken
      when: request.temperature > 1
      effect: deny
`;

export const SECOND = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: other }
spec:
  rules:
    - { id: ok, when: "true", effect: allow }
`;

export function engineWith(options: PolicyEngineOptions): PolicyEngine {
  const e = new PolicyEngine(options);
  e.addPolicy(POLICY, { filename: 'gate.yaml' });
  e.addPolicy(SECOND, { filename: 'other.yaml' });
  return e;
}

export const allowInput = (i = 0) => ({
  request: { model: 'small', max_tokens: 10 + (i % 900), temperature: 0.5 },
  user: { email: `u${i}@example.com` },
  context: { tenant: 'acme' },
});
export const denyInput = {
  request: { model: 'small', max_tokens: 5000, temperature: 0.5 },
  user: { email: 'ann@example.com' },
  context: { tenant: 'acme' },
};
export const warnInput = { request: { model: 'gpt-4', max_tokens: 10, temperature: 0.5 }, user: { email: 'bob@example.com' } };

/**
 * A memory sink that tells when records arrive: `reached(n)` resolves once n records have been
 * written, so a test awaits the write itself instead of sleeping and hoping it happened.
 */
export class ObservedSink extends MemoryAuditSink {
  private readonly waiters: { n: number; resolve: () => void }[] = [];

  override write(records: readonly AuditRecord[]): void {
    super.write(records);
    for (const w of [...this.waiters])
      if (this.records.length >= w.n) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
  }

  reached(n: number): Promise<void> {
    if (this.records.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}

/**
 * A sink whose writes wait at a gate the test opens: `nextWrite()` resolves with the release of
 * the next write to arrive, so a test can queue decisions while a write is certainly in flight.
 */
export class GatedSink implements AuditSink {
  readonly seqs: number[] = [];
  private readonly blocked: (() => void)[] = [];
  private readonly takers: ((release: () => void) => void)[] = [];
  private open = false;

  async write(records: readonly AuditRecord[]): Promise<void> {
    if (!this.open)
      await new Promise<void>((release) => {
        const taker = this.takers.shift();
        if (taker) taker(release);
        else this.blocked.push(release);
      });
    for (const r of records) this.seqs.push(r.seq);
  }

  nextWrite(): Promise<() => void> {
    const release = this.blocked.shift();
    return release ? Promise.resolve(release) : new Promise((r) => this.takers.push(r));
  }

  /** Lets every write through from now on. */
  openGate(): void {
    this.open = true;
    for (const release of this.blocked.splice(0)) release();
  }
}

/** Bundles a TypeScript script (which may import from src/) into a runnable ESM file for a child process. */
export async function bundleScript(dir: string, name: string, code: string): Promise<string> {
  const { build } = await import('esbuild');
  const { writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, code);
  const out = join(dir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: out,
    logLevel: 'silent',
    external: ['re2'],
    // CommonJS dependencies (yaml) require Node built-ins
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return out;
}

export const SRC = new URL('../../src/', import.meta.url).pathname;
