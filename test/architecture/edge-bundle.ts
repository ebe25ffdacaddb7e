// What "bundles for an edge runtime" means, in one place: esbuild for a neutral platform with
// the worker/browser conditions, and the result reaches no Node built-in, no `eval`, no
// `new Function`.
import { build } from 'esbuild';
import { join, resolve } from 'node:path';

export const root = resolve(__dirname, '../..');

export async function bundleNeutral(entry: string, minify = false): Promise<{ code: string; inputs: string[] }> {
  const out = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    minify,
    platform: 'neutral',
    format: 'esm',
    mainFields: ['module', 'main'],
    conditions: ['worker', 'browser', 'import'],
    metafile: true,
    logLevel: 'silent',
  });
  return { code: out.outputFiles[0]!.text, inputs: Object.keys(out.metafile!.inputs) };
}

/** Everything in a bundle that an edge runtime would refuse; empty when it is edge-safe. */
export function edgeProblems(b: { code: string; inputs: string[] }): string[] {
  const problems = b.inputs.filter((i) => i.startsWith('node:') || /^(fs|path|crypto|os)$/.test(i)).map((i) => `imports ${i}`);
  if (/new Function\s*\(/.test(b.code)) problems.push('calls new Function');
  // a call of the global eval, not a method that happens to be named `eval(...) {`
  for (const l of b.code.split('\n'))
    if (/(^|[^.\w$])eval\s*\(/.test(l) && !/^\s*eval\s*\([^)]*\)\s*\{/.test(l)) problems.push(`calls eval: ${l.trim().slice(0, 80)}`);
  if (/from\s*["']node:/.test(b.code)) problems.push('imports node:*');
  if (/require\(["']/.test(b.code)) problems.push('calls require');
  return problems;
}
