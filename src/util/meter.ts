// Work counted where a load touches text: indexing a text's lines, hashing it, parsing a
// document or an expression. The adversarial tests bound loads by these counts (a load must
// scan its text a bounded number of times), not by wall time, which a busy machine distorts.

export const meter = { scanned: 0 };
