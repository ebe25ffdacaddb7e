// An in-memory policy source: the host holds the texts and calls `set()` to publish a new
// set; a watching engine reloads it. Handy in tests and for policies fetched by the host.

import type { PolicyFile, PolicySource } from '../../policy/source.js';

export class MemoryPolicySource implements PolicySource {
  private files: PolicyFile[];
  private readonly listeners = new Set<() => void>();

  constructor(files: PolicyFile[] = []) {
    this.files = [...files];
  }

  async load(): Promise<PolicyFile[]> {
    return [...this.files];
  }

  /** Replaces the whole set and tells watching engines. */
  set(files: PolicyFile[]): void {
    this.files = [...files];
    for (const l of this.listeners) l();
  }

  watch(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }
}
