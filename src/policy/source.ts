// Where policy sets come from. A source yields the whole set each time; the engine compiles
// it into a new revision and swaps it in only when all of it compiles.

export interface PolicyFile {
  text: string;
  filename?: string;
}

export interface PolicySource {
  /** The whole policy set, now. */
  load(): Promise<PolicyFile[]>;
  /** Calls `onChange` when the set may have changed; returns a function that stops watching. */
  watch?(onChange: () => void): () => void;
}
