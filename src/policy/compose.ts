// Composition across a policy set: the lets and conditions a document imports from libraries
// (`kind: Library`, `spec.imports`), and the rules extensions add to a base policy
// (`spec.extends`). Works on raw documents only, so the engine runs it over the whole set on
// every load (it parses nothing) and recompiles just the policies whose inputs changed.
// docs/lifecycle.md#composition is the user-facing contract.

import type { Issue, IssueCode, SourceText } from '../lang/errors.js';
import { closest } from '../util/suggest.js';
import type { RawLet, RawPolicy, RawRef, RawRule } from './types.js';

export interface ComposeEntry {
  key: string;
  raw: RawPolicy;
  /** The text the document was parsed from, for positions. */
  source: SourceText;
}

export interface Composed {
  /**
   * What compiles for this key: the document with the lets of everything it imports, and for a
   * base policy the lets and rules of its extensions. Undefined for an extension, which
   * compiles (and decides) as part of its base.
   */
  raw: RawPolicy | undefined;
  /** Keys of the other documents `raw` was built from: a change to one of them recompiles it. */
  deps: string[];
}

/** Where a visible name comes from. */
interface Def {
  let: RawLet;
  from: ComposeEntry;
}

/** The namespace whose libraries every namespace may import. */
const SHARED = 'default';

/** Resolves every document of the set; problems go to `issues` (the set must not load then). */
export function compose(entries: ComposeEntry[], issues: Issue[]): Map<string, Composed> {
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const out = new Map<string, Composed>();
  const at = (e: ComposeEntry, span: { offset: number; length?: number }, code: IssueCode, message: string, hint?: string): void => {
    const issue: Issue = { code, message, offset: span.offset, length: span.length ?? 1, ...e.source.position(span.offset) };
    if (e.raw.file !== undefined) issue.file = e.raw.file;
    if (hint !== undefined) issue.hint = hint;
    issues.push(issue);
  };
  const describe = (d: ComposeEntry): string => `${d.raw.kind === 'Library' ? 'library' : 'policy'} \`${d.raw.name}\``;

  const library = (e: ComposeEntry, ref: RawRef): ComposeEntry | undefined => {
    const own = byKey.get(`${e.raw.namespace}/${ref.name}`);
    const found = own?.raw.kind === 'Library' ? own : (byKey.get(`${SHARED}/${ref.name}`) ?? own);
    if (found?.raw.kind === 'Library') return found;
    if (found) {
      at(e, ref, 'unknown_import', `\`${ref.name}\` is a policy, not a library`, 'only `kind: Library` documents can be imported');
      return undefined;
    }
    const names = entries
      .filter((x) => x.raw.kind === 'Library' && (x.raw.namespace === e.raw.namespace || x.raw.namespace === SHARED))
      .map((x) => x.raw.name);
    const near = closest(ref.name, names);
    at(
      e,
      ref,
      'unknown_import',
      `unknown library \`${ref.name}\``,
      near !== undefined
        ? `did you mean \`${near}\`?`
        : `load a \`kind: Library\` document named \`${ref.name}\` in namespace \`${e.raw.namespace}\` or \`${SHARED}\` with the policies`,
    );
    return undefined;
  };

  // The names a library makes visible (its own and, transitively, its imports'), and the
  // libraries that reached, memoized; `visiting` holds the chain being resolved, for cycles.
  const closures = new Map<string, { names: Map<string, Def>; reached: Set<string> }>();
  const visiting: ComposeEntry[] = [];
  const closure = (lib: ComposeEntry): { names: Map<string, Def>; reached: Set<string> } => {
    const done = closures.get(lib.key);
    if (done) return done;
    visiting.push(lib);
    const names = new Map<string, Def>();
    const reached = new Set<string>();
    gather(lib, names, reached);
    visiting.pop();
    const c = { names, reached };
    closures.set(lib.key, c);
    return c;
  };

  /** Adds what `e` imports, then `e`'s own lets, to `names`, reporting clashes at `e`. */
  const gather = (e: ComposeEntry, names: Map<string, Def>, reached: Set<string>): void => {
    for (const ref of e.raw.imports) {
      const lib = library(e, ref);
      if (!lib) continue;
      const loop = visiting.indexOf(lib);
      if (loop >= 0) {
        const chain = [...visiting.slice(loop), lib].map((x) => `\`${x.raw.name}\``).join(' -> ');
        at(
          e,
          ref,
          'import_cycle',
          `libraries import each other in a cycle: ${chain}`,
          'move what they share into a library that imports neither',
        );
        continue;
      }
      const sub = closure(lib);
      reached.add(lib.key);
      for (const k of sub.reached) reached.add(k);
      for (const [name, def] of sub.names) {
        const prev = names.get(name);
        if (prev === undefined) names.set(name, def);
        else if (prev.let !== def.let) {
          at(
            e,
            ref,
            'name_clash',
            `library \`${lib.raw.name}\` brings \`${name}\`, which ${describe(prev.from)} already defines`,
            'rename one of them: imported names and `let` names share one set of names',
          );
        }
      }
    }
    for (const l of e.raw.lets) {
      const prev = names.get(l.name);
      if (prev !== undefined && prev.let !== l) {
        at(
          e,
          { offset: l.offset, length: l.name.length },
          'name_clash',
          `\`${l.name}\` is already defined by ${describe(prev.from)}`,
          prev.from.raw.kind === 'Library'
            ? 'rename it: imported names and `let` names share one set of names'
            : 'rename it: an extension cannot redefine a `let` of its base',
        );
        continue;
      }
      names.set(l.name, { let: l, from: e });
    }
  };

  /** The document with every visible name as a let, in the order they became visible. */
  const withLets = (e: ComposeEntry, names: Map<string, Def>, rules: RawRule[] = e.raw.rules): RawPolicy => ({
    ...e.raw,
    lets: [...names.values()].map((d) => (d.from === e ? d.let : { ...d.let, source: d.from.source })),
    rules,
  });

  // Extensions, by the key of their base; checked here, merged below.
  const extensions = new Map<string, ComposeEntry[]>();
  for (const e of entries) {
    const ref = e.raw.extends;
    if (ref === undefined) continue;
    out.set(e.key, { raw: undefined, deps: [] });
    const base = byKey.get(`${e.raw.namespace}/${ref.name}`);
    if (base === undefined) {
      const names = entries.filter((x) => x.raw.kind === 'Policy' && x.raw.namespace === e.raw.namespace && x !== e).map((x) => x.raw.name);
      const near = closest(ref.name, names);
      at(
        e,
        ref,
        'unknown_import',
        `unknown base policy \`${ref.name}\``,
        near !== undefined
          ? `did you mean \`${near}\`?`
          : `load the policy \`${ref.name}\` (namespace \`${e.raw.namespace}\`) with its extensions`,
      );
      continue;
    }
    if (base === e) {
      at(e, ref, 'invalid_extends', 'a policy cannot extend itself');
      continue;
    }
    if (base.raw.kind === 'Library') {
      at(
        e,
        ref,
        'invalid_extends',
        `\`${ref.name}\` is a library, not a policy`,
        'import a library with `imports`; `extends` names a policy',
      );
      continue;
    }
    if (base.raw.extends !== undefined) {
      at(
        e,
        ref,
        'invalid_extends',
        `\`${ref.name}\` extends \`${base.raw.extends.name}\` itself: extensions do not chain`,
        `extend \`${base.raw.extends.name}\` directly`,
      );
      continue;
    }
    let ok = true;
    for (const k of e.raw.settings) {
      at(
        e,
        k,
        'invalid_extends',
        `an extension cannot set \`${k.name}\`: it decides with the \`${k.name}\` of its base \`${ref.name}\``,
        'remove it, or make this a policy of its own (without `extends`)',
      );
      ok = false;
    }
    if (!ok) continue;
    const list = extensions.get(base.key) ?? [];
    list.push(e);
    extensions.set(base.key, list);
  }

  for (const e of entries) {
    if (e.raw.extends !== undefined) continue;
    const names = new Map<string, Def>();
    const reached = new Set<string>();
    if (e.raw.kind === 'Library') {
      const c = closure(e);
      out.set(e.key, { raw: withLets(e, c.names), deps: [...c.reached] });
      continue;
    }
    gather(e, names, reached);
    const exts = (extensions.get(e.key) ?? []).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const rules = [...e.raw.rules];
    const ids = new Map(rules.map((r) => [r.id, e]));
    const bound = denyBound(e.raw);
    for (const x of exts) {
      reached.add(x.key);
      gather(x, names, reached);
      for (const r of x.raw.rules) {
        const owner = ids.get(r.id);
        if (owner !== undefined) {
          at(
            x,
            { offset: r.offset, length: r.id.length },
            'name_clash',
            `rule \`${r.id}\` is already a rule of ${owner === e ? 'base ' : 'extension '}${describe(owner)}`,
            owner === e ? 'an extension adds rules: it cannot replace or remove a rule of its base' : 'give the rule another id',
          );
          continue;
        }
        ids.set(r.id, x);
        const why = weakens(e.raw, r, bound);
        if (why !== undefined) at(x, { offset: r.offset, length: r.id.length }, 'weakens_base', why.message, why.hint);
        rules.push({ ...r, source: x.source });
      }
    }
    out.set(e.key, { raw: withLets(e, names, rules), deps: [...reached] });
  }
  return out;
}

/**
 * The highest priority a non-deny rule of an extension may have under `combining: priority`:
 * the lowest priority at which the base can deny. That is its deny rules', and, when a rule
 * that fails counts as a deny (`onError: deny`), every rule's that has a condition to fail.
 */
function denyBound(base: RawPolicy): number {
  let bound = Number.POSITIVE_INFINITY;
  for (const r of base.rules)
    if (r.effect === 'deny' || (base.onError === 'deny' && r.when !== undefined)) bound = Math.min(bound, r.priority);
  return bound;
}

/**
 * Why an extension's rule could turn a deny of its base into an allow or a warn, or undefined
 * when it cannot. Extension rules come after the base's (so under `first-match` they decide
 * only where no base rule matched), so the cases are the base's default deny, and under
 * `priority` a rule that outranks a base deny. A deny rule is safe unless its condition can
 * fail where failing counts as a warn (`onError: warn`).
 */
function weakens(base: RawPolicy, r: RawRule, bound: number): { message: string; hint: string } | undefined {
  const failsToWarn = base.onError === 'warn' && r.when !== undefined;
  if (r.effect === 'deny' && !failsToWarn) return undefined;
  const as = r.effect === 'deny' ? '`warn` when its condition fails, as the base has `onError: warn`' : `\`${r.effect}\``;
  if (base.default === 'deny')
    return {
      message: `rule \`${r.id}\` (${as}) could decide where base policy \`${base.name}\` denies by default`,
      hint: 'the base has `default: deny`: an extension may add only `deny` rules to it, that cannot fail to a `warn`',
    };
  if (base.combining === 'priority' && r.priority > bound)
    return {
      message: `rule \`${r.id}\` (${as}, priority ${r.priority}) outranks a deny of base policy \`${base.name}\` (priority ${bound})`,
      hint: `give it a priority of at most ${bound}${r.effect === 'deny' ? '' : ', or make it a `deny` rule'}`,
    };
  return undefined;
}
