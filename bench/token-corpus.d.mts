/** A deterministic corpus of texts for comparing exact tokenizers (bench/token-corpus.mjs). */
export function tokenCorpus(n?: number, seed?: number): { kind: string; text: string }[];
