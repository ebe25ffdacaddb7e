// An in-memory policy source: the host holds the texts and calls `set()` to publish a new
// set; a watching engine reloads it. Handy in tests and for policies fetched by the host.

import { checkVerifyOptions, openSourceFiles, type BundleVerifyOptions } from '../../policy/bundle.js';
import type { PolicyFile, PolicySource } from '../../policy/source.js';

export interface MemoryPolicySourceOptions {
  /** Serve signed bundles only, verified with this key (docs/lifecycle.md#signed-bundles). */
  verify?: BundleVerifyOptions;
}

export class MemoryPolicySource implements PolicySource {
  private files: PolicyFile[];
  private readonly listeners = new Set<() => void>();
  private readonly verify: BundleVerifyOptions | undefined;

  constructor(files: PolicyFile[] = [], options: MemoryPolicySourceOptions = {}) {
    this.files = [...files];
    if (options.verify !== undefined) checkVerifyOptions(options.verify);
    this.verify = options.verify;
  }

  async load(): Promise<PolicyFile[]> {
    return this.verify ? openSourceFiles([...this.files], this.verify) : [...this.files];
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
