// Co-occurrence cues: the phrase rules (rules.ts) want words in an order; attackers paraphrase.
// Here a sentence is a bag of cue words, and a family fires when the sentence holds the
// combination that family needs in any wording, e.g. an override verb, an instruction noun and
// a word that points at the earlier or the model's own instructions ("set aside all the
// guidelines from before", "discard your prior directives"). Weaker than a phrase (0.55) and
// off in sentences that say how-to or talk about attacks (the caller halves those).

import type { Family } from './rules.js';

const OVERRIDE = 1;
const INSTR = 2;
const PRIOR = 4;
const OWNER = 8;
const REVEAL = 16;
const PROMPT = 32;
const SECRET = 64;
const PERSONA = 128;
const NOLIMIT = 256;
const LIMIT = 512;
const JBADJ = 1024;
const EXFIL = 2048;
const EXOBJ = 4096;
const YOUR = 8192;
const NEG = 16384;
const NP = 65536; // words that can sit inside a noun phrase between a verb and its object
const AFTER_NOUN_STOP = 32768; // a word after a noun that makes it a topic: "instructions for making bread", "system prompt variable"

const WORDS: [number, string][] = [
  [
    OVERRIDE,
    'ignore disregard forget discard scrap override bypass drop abandon dismiss overlook neglect nevermind revoke void nullify supersede overrule circumvent unlearn ditch ignoring disregarding forgetting',
  ],
  [
    INSTR,
    'instructions instruction rules rule guidelines guideline directives directive prompt programming guidance policies policy constraints restrictions configuration setup conditioning training criteria orders',
  ],
  [PRIOR, 'previous prior earlier before above original initial old former preceding existing previously'],
  [OWNER, 'your developer developers operator operators creator creators owner system company admin administrator'],
  [
    REVEAL,
    'reveal print show display output repeat tell give list paste copy dump share leak disclose quote recite echo spell write expose divulge reproduce',
  ],
  [PROMPT, 'prompt instructions instruction configuration setup rules guidelines directives preprompt metaprompt'],
  [SECRET, 'hidden secret initial original system confidential internal exact underlying developer verbatim'],
  [PERSONA, 'pretend roleplay imagine act become simulate persona character playing play behave'],
  [NOLIMIT, 'no without zero free escaped unbound removed lifted none unrestricted unlimited'],
  [LIMIT, 'rules restrictions guidelines filters filter limits limitations censorship ethics morals safety policies policy boundaries'],
  [JBADJ, 'unfiltered uncensored unrestricted jailbroken amoral unethical unaligned unchained unshackled unmoderated lawless limitless'],
  [EXFIL, 'send forward post upload email mail transmit exfiltrate leak share copy sync relay deliver'],
  [
    EXOBJ,
    'conversation chat history transcript inbox mailbox contacts credentials passwords password secrets keys cookies calendar messages',
  ],
  [YOUR, 'your yourself you'],
  [NEG, 'not never dont cannot cant wont shouldnt mustnt'],
  [
    NP,
    'the all any every each of these those this that such entire whole full complete other remaining rest just given above safety content ethical moral security usual normal standard default own builtin internal programmed hidden secret confidential initial original exact current existing first earlier old core base special custom ai model assistant chatbot company openai anthropic previous prior former preceding system developer developers operator operators creator creators owner your admin administrator',
  ],
  [
    AFTER_NOUN_STOP,
    'for on about of regarding to variable string field template value file param parameter example examples format engineering design length limit injection injections leak leaks writing',
  ],
];

const CUES = new Map<string, number>();
for (const [bit, list] of WORDS) for (const w of list.split(' ')) CUES.set(w, (CUES.get(w) ?? 0) | bit);

/** The cue bits of a word (0 for most words). */
export function cueBits(word: string): number {
  return CUES.get(word) ?? 0;
}

/** Words the cues need (leetspeak decoding aims at them too). */
export const CUE_WORDS: readonly string[] = [...CUES.keys()];

const URL_WORDS = new Set(['http', 'https', 'www', 'webhook', 'pastebin', 'url', 'endpoint']);

export interface CueHit {
  family: Family;
  rule: string;
  t0: number;
  t1: number;
  weight: number;
}

/**
 * Cue hits of the sentence words[first..last] (inclusive). At most one hit per family per
 * sentence, spanning the cue words involved.
 */
export function sentenceCues(
  words: readonly string[],
  /** cueBits of each word. */
  cb: Int32Array,
  first: number,
  last: number,
  out: CueHit[],
  /** Whether only white space separates token j from token j + 1 (no comma, dash, bracket...). */
  plainGap: (j: number) => boolean = () => true,
): void {
  let all = 0;
  for (let j = first; j <= last; j++) all |= cb[j]!;
  if (all === 0) return;
  const urlish = () => {
    for (let j = first; j <= last; j++) if (URL_WORDS.has(words[j]!) || words[j]!.indexOf('@') > 0) return true;
    return false;
  };
  const negatedAt = (j: number) => {
    for (let k = j - 1; k >= first && k >= j - 3; k--) if (cb[k]! & NEG) return true;
    return false;
  };
  const bits = (j: number) => (j < cb.length ? cb[j]! : 0);
  // A noun slot that is followed by for/on/about is a topic ("instructions for the desk"), not the model's.
  const nounAt = (j: number, bit: number) => (bits(j) & bit) !== 0 && !(j + 1 <= last && bits(j + 1) & AFTER_NOUN_STOP);

  // The object noun of the verb at v: the first `noun` word after at most 5 noun-phrase words
  // ("all of your earlier"), or -1.
  const objectOf = (v: number, noun: number): number => {
    for (let n = v + 1; n <= Math.min(last, v + 6); n++) {
      if (!plainGap(n - 1)) return -1;
      if (bits(n) & noun) return n;
      if (!(bits(n) & NP)) return -1;
    }
    return -1;
  };
  // Instruction override: an override verb whose object is an instruction noun, with a
  // prior/owner word inside the noun phrase or in the three words after it ("the rules your
  // creators gave you", "the guidelines from before").
  if ((all & (OVERRIDE | INSTR)) === (OVERRIDE | INSTR) && all & (PRIOR | OWNER)) {
    for (let v = first; v <= last; v++) {
      if (!(bits(v) & OVERRIDE) || negatedAt(v)) continue;
      const n = objectOf(v, INSTR);
      if (n >= 0) {
        let ctx = false;
        for (let k = v + 1; k <= Math.min(last, n + 3); k++) if (k !== n && bits(k) & (PRIOR | OWNER)) ctx = true;
        // "override the default system prompt": a product setting that admins replace.
        for (let k = v + 1; k < n; k++) if (words[k] === 'default') ctx = false;
        if (ctx) {
          out.push({ family: 'instruction_override', rule: 'override_cues', t0: v, t1: n + 1, weight: 0.55 });
          break;
        }
      }
    }
  }
  // Extraction: a reveal verb, then within 8 words a prompt noun owned by the model ("your",
  // "you were given") or marked secret/initial/system.
  if ((all & (REVEAL | PROMPT)) === (REVEAL | PROMPT) && all & (YOUR | SECRET)) {
    for (let v = first; v <= last; v++) {
      if (!(bits(v) & REVEAL) || negatedAt(v)) continue;
      // "show me the ...": skip an indirect object.
      const v0 = words[v + 1] === 'me' || words[v + 1] === 'us' ? v + 1 : v;
      const n = objectOf(v0, PROMPT);
      if (n >= 0 && nounAt(n, PROMPT)) {
        let owned = false;
        let indefinite = false;
        for (let k = v + 1; k < n; k++) {
          if (bits(k) & (SECRET | YOUR) && words[k] !== 'you') owned = true;
          if (words[k] === 'a' || words[k] === 'an') indefinite = true; // "write a system prompt": authoring, not leaking
        }
        if (indefinite) continue;
        for (let k = n + 1; k <= Math.min(last, n + 4); k++) if (words[k] === 'you' || words[k] === 'your') owned = true;
        if (owned) {
          out.push({ family: 'prompt_extraction', rule: 'extraction_cues', t0: v, t1: n + 1, weight: 0.55 });
          break;
        }
      }
    }
  }
  // Persona without limits: a persona cue and, in the same sentence, a jailbreak adjective or a
  // "no/without/free of" + limit noun pair.
  if (all & PERSONA || hasYouAre(words, first, last)) {
    let at = -1;
    for (let j = first; j <= last && at < 0; j++) {
      if (bits(j) & JBADJ) at = j;
      else if (bits(j) & NOLIMIT) {
        for (let k = j + 1; k <= Math.min(last, j + 4); k++) if (nounAt(k, LIMIT)) at = k;
      }
    }
    // The signal starts at the persona cue, not at the sentence: a quoted "pretend you have no
    // rules" in a sentence about it is then seen as quoted (a mention).
    let from = first;
    for (let j = first; j < at; j++) {
      const w = words[j]!;
      if (bits(j) & PERSONA || w === 'youre' || (w === 'you' && (words[j + 1] === 'are' || words[j + 1] === 'will'))) {
        from = j;
        break;
      }
    }
    if (at >= 0) out.push({ family: 'role_play', rule: 'persona_cues', t0: from, t1: at + 1, weight: 0.55 });
  }
  // Exfiltration: a send verb, sensitive data and an outside address in one sentence.
  if ((all & (EXFIL | EXOBJ)) === (EXFIL | EXOBJ) && urlish()) {
    for (let v = first; v <= last; v++) {
      if (!(bits(v) & EXFIL) || negatedAt(v)) continue;
      out.push({ family: 'tool_hijack', rule: 'exfil_cues', t0: v, t1: last + 1, weight: 0.55 });
      break;
    }
  }
}

function hasYouAre(words: readonly string[], first: number, last: number): boolean {
  for (let j = first; j < last; j++) {
    const w = words[j]!;
    if (w === 'youre' || (w === 'you' && (words[j + 1] === 'are' || words[j + 1] === 'will'))) return true;
  }
  return false;
}
