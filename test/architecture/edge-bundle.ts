// What "bundles for an edge runtime" means, in one place: esbuild for a neutral platform with
// the worker/browser conditions, and the result reaches no Node built-in and compiles no code
// from strings, except in the code generator's loader, which asks the runtime first
// (src/compile/codegen/load.ts: edge runtimes say no, and the engine uses closures there).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(__dirname, '../..');

export async function bundleNeutral(entry: string, minify = false, treeShaking = true): Promise<{ code: string; inputs: string[] }> {
  const out = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    minify,
    // without tree shaking, `inputs` is every file the entry's imports reach, as dist/'s chunks hold them
    treeShaking,
    platform: 'neutral',
    format: 'esm',
    mainFields: ['module', 'main'],
    conditions: ['worker', 'browser', 'import'],
    metafile: true,
    logLevel: 'silent',
  });
  return { code: out.outputFiles[0]!.text, inputs: Object.keys(out.metafile!.inputs) };
}

/** The one module allowed to compile code from strings, behind its capability probe. */
export const CODEGEN_LOADER = 'src/compile/codegen/load.ts';

/** Calls that compile code from strings, in source text with its comments removed. */
export function codegenCalls(source: string): string[] {
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:\\'"`])\/\/.*$/gm, '$1')
    // a method that happens to be named `eval(input) {` is not a call of the global
    .replace(/(^|[^.\w$])(?:eval|Function)\s*\([^()]*\)\s*\{/gm, '$1');
  return [...code.matchAll(/\bnew\s+Function\s*\(|(?:^|[^.\w$'"`])(?:eval|Function)\s*\(/g)].map((m) => m[0].trim());
}

/** Everything in a bundle that an edge runtime would refuse; empty when it is edge-safe. */
export function edgeProblems(b: { code: string; inputs: string[] }): string[] {
  const problems = b.inputs.filter((i) => i.startsWith('node:') || /^(fs|path|crypto|os)$/.test(i)).map((i) => `imports ${i}`);
  let allowed = 0;
  for (const input of b.inputs) {
    if (input.startsWith('node:') || input.includes('?')) continue;
    const calls = codegenCalls(readFileSync(join(root, input), 'utf8'));
    if (input === CODEGEN_LOADER) allowed = calls.length;
    else for (const c of calls) problems.push(`${input} compiles code from strings (${c})`);
  }
  const inBundle = (b.code.match(/new Function\s*\(/g) ?? []).length;
  if (inBundle !== allowed) problems.push(`calls new Function ${inBundle} times, outside ${CODEGEN_LOADER}`);
  // a call of the global eval, not a method that happens to be named `eval(...) {`
  for (const l of b.code.split('\n'))
    if (/(^|[^.\w$])eval\s*\(/.test(l) && !/^\s*eval\s*\([^)]*\)\s*\{/.test(l)) problems.push(`calls eval: ${l.trim().slice(0, 80)}`);
  if (/from\s*["']node:/.test(b.code)) problems.push('imports node:*');
  if (/require\(["']/.test(b.code)) problems.push('calls require');
  return problems;
}
