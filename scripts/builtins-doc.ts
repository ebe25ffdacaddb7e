// Renders docs/builtins.md from the registry declarations: the page is generated, never
// edited by hand. `npm run docs:builtins` rewrites it; a test fails when it is stale.
import type { FunctionDecl, OverloadDecl } from '../src/lang/registry.js';
import { CelDuration, CelOptional, CelTimestamp, CelType, CelUint } from '../src/lang/values.js';

export function show(v: unknown): string {
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'number') return Number.isInteger(v) ? `${v}.0` : String(v);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  if (v instanceof CelUint) return `${v.value}u`;
  if (v instanceof CelOptional) return v.hasValue() ? `optional.of(${show(v.valueOrUndefined)})` : 'optional.none()';
  if (v instanceof CelType) return v.name;
  if (v instanceof CelTimestamp) return `timestamp(${v.ns}ns)`;
  if (v instanceof CelDuration) return `duration(${v.ns}ns)`;
  if (v instanceof Uint8Array)
    return `b'${[...v].map((b) => (b >= 32 && b < 127 && b !== 39 && b !== 92 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('')}'`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${show(k)}: ${show(x)}`).join(', ')}}`;
  if (v && typeof v === 'object') {
    if ('error' in v && Object.keys(v).length === 1) return `error: ${(v as { error: string }).error}`;
    return `{${Object.entries(v)
      .map(([k, x]) => `${show(k)}: ${show(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}

function signature(name: string, o: OverloadDecl): string {
  const short = name.includes('.') && o.receiver === undefined ? name : name.split('.').pop()!;
  const args = o.params.join(', ');
  return o.receiver !== undefined ? `${o.receiver}.${short}(${args}) -> ${o.result}` : `${short}(${args}) -> ${o.result}`;
}

const PURITY: Record<string, string> = { pure: 'pure', clock: 'reads the clock', state: 'reads state' };

export function renderBuiltinsDoc(decls: FunctionDecl[]): string {
  const byCat = new Map<string, FunctionDecl[]>();
  for (const d of [...decls].sort((a, b) => a.name.localeCompare(b.name))) {
    const list = byCat.get(d.category) ?? [];
    list.push(d);
    byCat.set(d.category, list);
  }
  const out: string[] = [
    '# Builtin functions',
    '',
    '<!-- GENERATED from the registry declarations in builtins/ by `npm run docs:builtins`. Do not edit. -->',
    '',
    `${decls.length} functions. Every example below is evaluated by the test suite (test/builtins/examples.test.ts) and must give`,
    'the value shown. `A` in a signature is a type parameter (any type). Pure functions called with constant',
    'arguments are evaluated once, at load.',
    '',
  ];
  out.push('| category | functions |', '|---|---|');
  for (const [cat, list] of byCat) out.push(`| ${cat} | ${list.map((d) => `[\`${d.name}\`](#${anchor(d.name)})`).join(', ')} |`);
  for (const [cat, list] of byCat) {
    out.push('', `## ${cat}`);
    for (const d of list) {
      out.push('', `### ${d.name}`, '', `${d.description}. *${PURITY[d.purity]}*`, '', '```');
      for (const o of d.overloads) out.push(signature(d.name, o));
      out.push('```');
      if (d.examples?.length) {
        out.push('', '| example | value |', '|---|---|');
        for (const ex of d.examples)
          out.push(
            `| \`${ex.expr.replace(/\|/g, '\\|')}\`${ex.bindings ? ` with \`${JSON.stringify(ex.bindings).replace(/\|/g, '\\|')}\`` : ''} | \`${show(ex.result).replace(/\|/g, '\\|')}\` |`,
          );
      }
    }
  }
  return `${out.join('\n')}\n`;
}

function anchor(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_ -]/g, '')
    .replace(/ /g, '-');
}
