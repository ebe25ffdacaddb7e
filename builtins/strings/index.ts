// The `strings` library: CEL's strings extension (cel-go names, overload ids and
// semantics), our `strings.*` helpers for policies, and the `regex.*` functions.
//
//   ext.ts      charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace, split,
//               substring, trim, join, reverse, strings.quote
//   format.ts   format (cel-go's printf-like clauses)
//   helpers.ts  strings.normalizeWhitespace, caseFold, equalsIgnoreCase, containsAny,
//               containsAll, startsWithAny, endsWithAny, truncate, count
//   regex.ts    regex.find, findAll, replace, extract, extractAll, matches (with flags)
//   text.ts     code-point indexing, white space, case folding
//   literals.ts linear-time matching against a list of literals (Aho-Corasick)

import type { FunctionDecl } from '../../src/lang/library.js';
import { extFunctions } from './ext.js';
import { formatDecl } from './format.js';
import { helperFunctions } from './helpers.js';
import { regexFunctions } from './regex.js';

export const stringsLibrary: FunctionDecl[] = [...extFunctions, formatDecl, ...helperFunctions, ...regexFunctions];
