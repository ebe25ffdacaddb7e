// Shared fixtures of the audit tests.
import { PolicyEngine, type PolicyEngineOptions } from '../../src/entries/index.js';

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

export const tick = () => new Promise<void>((r) => setTimeout(r, 0));

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
