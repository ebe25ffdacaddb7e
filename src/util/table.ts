// Lookup tables keyed by text a policy or an input supplies (function names, field names, map
// keys, YAML keys). A plain object literal answers `constructor` or `toString` with a member of
// Object.prototype; these tables have no prototype, so an unknown name is simply absent.

/** A frozen, prototype-free copy of `entries`: `t[name]` is undefined for any name it lacks. */
export function table<T>(entries: Record<string, T>): Readonly<Record<string, T | undefined>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}
