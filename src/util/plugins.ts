// Process-wide plug-ins: the regex engine, the tokenizer and the model catalog, each a named
// slot with a value and a generation.
//
// The slots live on `globalThis` under one `Symbol.for` key, not in a module variable: an app
// that loads both the ESM and the CommonJS build (or a bundler that duplicates the package)
// has two copies of every module, and a regex engine that `llm-policy-engine/node` installs in
// one copy must be the one the other copy's main entry uses. A module keeps the slot object it
// got (slots are never replaced, only their value), so a read costs one property access.
//
// Each module's caches of work done with a plug-in (compiled patterns, token counts, a
// resolved catalog) belong to that module copy; they record the generation they were built
// for and start afresh when it changes, whichever copy installed the new value.

const KEY = Symbol.for('llm-policy-engine.plugins');

interface Slot {
  value: unknown;
  generation: number;
}

function slots(): Record<string, Slot> {
  const g = globalThis as unknown as Record<symbol, Record<string, Slot> | undefined>;
  let s = g[KEY];
  if (s === undefined) {
    s = Object.create(null) as Record<string, Slot>;
    Object.defineProperty(g, KEY, { value: s, enumerable: false, configurable: true, writable: false });
  }
  return s;
}

export interface Plugin<T> {
  readonly name: string;
  /** The installed value (the default until something is installed). */
  get(): T;
  /** Installs a value for every copy of the package in this process. */
  set(value: T): void;
  /** Changes whenever a value is installed: work cached for an older generation is stale. */
  generation(): number;
}

/**
 * The slot `name`, created with `initial()` by whichever copy of the package asks first. Every
 * copy must pass the same default (a value of the same behaviour), since only one is kept.
 */
export function plugin<T>(name: string, initial: () => T): Plugin<T> {
  const all = slots();
  let slot = all[name];
  if (slot === undefined) {
    slot = { value: initial(), generation: 0 };
    all[name] = slot;
  }
  const s = slot;
  return {
    name,
    get: () => s.value as T,
    set(value: T) {
      s.value = value;
      s.generation++;
    },
    generation: () => s.generation,
  };
}
