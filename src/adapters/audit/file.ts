// Node-only audit pieces: FileAuditSink (JSON lines, size/time rotation, fsync on close, an
// optional SHA-256 hash chain), verifyAuditLog (finds the first altered, removed or reordered
// record of a chained log) and flushAuditOnExit (closes an engine when the process is about to
// exit, so the queued records reach the sink).

import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { setAuditHash, type AuditRecord, type AuditSink } from '../../audit/index.js';

/** `prevHash` of the first record of a new chain. */
export const GENESIS_HASH = '0'.repeat(64);

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Makes node:crypto the hash of the audit input digest (faster than the pure-JS one; same values). */
export function installNodeAuditHash(): void {
  setAuditHash((text) => sha256Hex(text), 2);
}

// ------------------------------------------------------------------ the file sink

export interface FileAuditSinkOptions {
  /** The active file; a rotated file is renamed to `<path>.<UTC time it was opened>` beside it. */
  path: string;
  /** Each line carries `prevHash`, the SHA-256 of the previous line (across rotations). */
  chain?: boolean;
  /**
   * Start a new file once the current one would exceed `maxBytes` (a single larger record gets a
   * file of its own), or is `intervalMs` old (checked when a batch arrives).
   */
  rotate?: { maxBytes?: number; intervalMs?: number };
  /** `close` (default): fsync on rotation and close; `batch`: also after every batch. */
  fsync?: 'close' | 'batch';
  /** File mode of new files. Default 0o600. */
  mode?: number;
  /** Called with the path of each rotated file. */
  onRotate?: (rotatedPath: string) => void;
  /** Milliseconds since the epoch, for rotation times and names. Default Date.now. */
  clock?: () => number;
}

const PREV_HASH_SUFFIX = ',"prevHash":"'.length + 64 + 1;

export class FileAuditSink implements AuditSink {
  readonly path: string;
  /** Paths of the files rotated so far, oldest first. */
  readonly rotated: string[] = [];
  private readonly chain: boolean;
  private readonly maxBytes: number;
  private readonly intervalMs: number;
  private readonly fsyncBatch: boolean;
  private readonly mode: number;
  private readonly onRotate: ((p: string) => void) | undefined;
  private readonly clock: () => number;
  private fd: number | undefined;
  private size = 0;
  private openedAt = 0;
  private prev = GENESIS_HASH;
  /** The next line is the first of a file that continues the chain of this (rotated) file. */
  private continues: string | undefined;
  /** The file ends in a line cut short (non-chained append): start with a newline. */
  private torn = false;

  constructor(options: FileAuditSinkOptions) {
    this.path = options.path;
    this.chain = options.chain === true;
    this.maxBytes = options.rotate?.maxBytes ?? Infinity;
    this.intervalMs = options.rotate?.intervalMs ?? Infinity;
    this.fsyncBatch = options.fsync === 'batch';
    this.mode = options.mode ?? 0o600;
    this.onRotate = options.onRotate;
    this.clock = options.clock ?? Date.now;
    this.open(true);
  }

  /** SHA-256 of the last line written (or of the last line of the file it appended to): anchor it elsewhere to detect truncation. */
  get lastHash(): string {
    return this.prev;
  }

  private open(first: boolean): void {
    const existed = first && existsSync(this.path);
    this.fd = openSync(this.path, 'a+', this.mode);
    this.size = fstatSync(this.fd).size;
    this.openedAt = this.clock();
    if (!existed || this.size === 0) return;
    const tail = lastLine(this.fd, this.size);
    if (!this.chain) {
      this.torn = tail.torn;
      return;
    }
    if (tail.torn) {
      // a line cut short (a crash mid-write): keep that file as it is and start a new one,
      // continuing the chain from its last complete line
      if (tail.line) this.prev = sha256Hex(tail.line);
      this.rotateNow();
      return;
    }
    if (tail.line) this.prev = sha256Hex(tail.line);
  }

  write(records: readonly AuditRecord[]): void {
    if (this.fd === undefined) throw new Error(`FileAuditSink: ${this.path} is closed`);
    if (this.size > 0 && this.clock() - this.openedAt >= this.intervalMs) this.rotateNow();
    const parts: string[] = [];
    let pending = 0;
    if (this.torn) {
      parts.push('\n');
      pending = 1;
      this.torn = false;
    }
    for (const r of records) {
      const json = JSON.stringify(r);
      const bytes = Buffer.byteLength(json) + 1 + (this.chain ? PREV_HASH_SUFFIX : 0);
      if (this.size + pending > 0 && this.size + pending + bytes > this.maxBytes) {
        this.append(parts.join(''));
        parts.length = 0;
        pending = 0;
        this.rotateNow();
      }
      let line = json;
      if (this.chain) {
        const from = this.continues !== undefined ? `,"prevFile":${JSON.stringify(this.continues)}` : '';
        this.continues = undefined;
        line = `${json.slice(0, -1)},"prevHash":"${this.prev}"${from}}`;
        this.prev = sha256Hex(line);
      }
      parts.push(line, '\n');
      pending += Buffer.byteLength(line) + 1;
    }
    this.append(parts.join(''));
    if (this.fsyncBatch) fsyncSync(this.fd);
  }

  private append(text: string): void {
    if (!text) return;
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd!, buf, off, buf.length - off);
    this.size += buf.length;
  }

  private rotateNow(): void {
    fsyncSync(this.fd!);
    closeSync(this.fd!);
    this.fd = undefined;
    const stamp = new Date(this.openedAt).toISOString().replace(/[-:]/g, '').replace('.', '');
    let target = `${this.path}.${stamp}`;
    for (let n = 1; existsSync(target); n++) target = `${this.path}.${stamp}-${n}`;
    renameSync(this.path, target);
    this.rotated.push(target);
    if (this.chain) this.continues = basename(target);
    this.open(false);
    this.onRotate?.(target);
  }

  /** fsync, so what was written survives a machine crash (a process crash loses nothing written). */
  flush(): void {
    if (this.fd !== undefined) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The last line of an open file (without its newline), and whether the file ends without one. */
function lastLine(fd: number, size: number): { line: Buffer | undefined; torn: boolean } {
  const one = Buffer.alloc(1);
  readSync(fd, one, 0, 1, size - 1);
  const torn = one[0] !== 0x0a;
  // the last complete line ends at the last newline
  const chunks: Buffer[] = [];
  let pos = size;
  let end = -1; // offset of the newline ending the last complete line
  let start = -1;
  while (pos > 0 && start < 0) {
    const n = Math.min(65_536, pos);
    pos -= n;
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, pos);
    chunks.unshift(buf);
    for (let i = n - 1; i >= 0; i--) {
      if (buf[i] !== 0x0a) continue;
      const at = pos + i;
      if (end < 0) end = at;
      else {
        start = at + 1;
        break;
      }
    }
  }
  if (end < 0) return { line: undefined, torn };
  if (start < 0) start = 0;
  const all = Buffer.concat(chunks);
  return { line: all.subarray(start - pos, end - pos), torn };
}

// ------------------------------------------------------------------ verification

export interface AuditVerifyResult {
  /** Every complete line is a record whose `prevHash` is the hash of the line before it. */
  ok: boolean;
  /** Complete lines read (all files). */
  records: number;
  /** The first problem: the 1-based line in `file`, and what happened there. */
  firstBad?: { file: string; line: number; reason: 'altered' | 'removed' | 'reordered'; detail: string };
  /** SHA-256 of the last complete line: compare with an anchored `sink.lastHash` to detect truncation. */
  lastHash?: string;
  /** The first file continues a chain from this rotated file, which was not checked. */
  continues?: string;
  /**
   * Last lines cut short (a write interrupted by a crash): not counted and not part of the chain
   * (the sink continues from the last complete line, in a new file).
   */
  torn?: { file: string; line: number }[];
}

export interface AuditVerifyOptions {
  /** The hash the first record must chain from (default: genesis, or whatever `prevFile` names). */
  prevHash?: string;
}

interface Line {
  file: string;
  no: number;
  bytes: Buffer;
  hash: string;
  rec: Record<string, unknown> | undefined;
  /** Parse or shape problem. */
  bad: string | undefined;
  firstOfFile: boolean;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Checks the hash chain of a log written by `FileAuditSink({ chain: true })`: one file, or
 * several in order (rotated files oldest first, then the active one), which must link up.
 */
export async function verifyAuditLog(path: string | string[], options: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
  const files = Array.isArray(path) ? path : [path];
  const lines: Line[] = [];
  const torn: { file: string; line: number }[] = [];
  for (let f = 0; f < files.length; f++) {
    const file = files[f]!;
    const buf = await readFile(file);
    let start = 0;
    let no = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) {
        // a last line without its newline: a write cut short by a crash
        torn.push({ file, line: ++no });
        break;
      }
      lines.push(line(file, ++no, buf.subarray(start, nl), no === 1));
      start = nl + 1;
    }
  }
  const result: AuditVerifyResult = { ok: true, records: lines.length };
  if (torn.length) result.torn = torn;
  if (lines.length > 0) result.lastHash = lines[lines.length - 1]!.hash;

  // check(i): line i parses and chains from its predecessor
  const expected = (i: number): string | undefined | null => {
    const l = lines[i]!;
    if (i === 0) {
      if (options.prevHash !== undefined) return options.prevHash;
      return typeof l.rec?.prevFile === 'string' ? null : GENESIS_HASH; // null: unchecked
    }
    return lines[i - 1]!.hash;
  };
  const check = (i: number): boolean => {
    const l = lines[i]!;
    if (l.bad !== undefined) return false;
    if (i > 0 && l.firstOfFile && l.rec!.prevFile !== basename(lines[i - 1]!.file)) return false;
    const e = expected(i);
    return e === null || l.rec!.prevHash === e;
  };
  if (lines.length > 0 && expected(0) === null && options.prevHash === undefined) result.continues = lines[0]!.rec!.prevFile as string;

  for (let i = 0; i < lines.length; i++) {
    if (check(i)) continue;
    result.ok = false;
    const { at, reason, detail } = classify(lines, i, check);
    const l = lines[at]!;
    result.firstBad = { file: l.file, line: l.no, reason, detail };
    break;
  }
  return result;
}

function line(file: string, no: number, bytes: Buffer, firstOfFile: boolean): Line {
  const hash = sha256Hex(bytes);
  let rec: Record<string, unknown> | undefined;
  let bad: string | undefined;
  try {
    const v = JSON.parse(bytes.toString('utf8')) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) bad = 'not a JSON object';
    else {
      rec = v as Record<string, unknown>;
      if (typeof rec.prevHash !== 'string' || !HEX64.test(rec.prevHash)) bad = 'no valid prevHash';
    }
  } catch {
    bad = 'not valid JSON';
  }
  return { file, no, bytes, hash, rec, bad, firstOfFile };
}

/**
 * Why the chain breaks at line i (the first whose check fails): the line's own bytes changed,
 * the line before it changed, lines are missing before it, or lines are out of order.
 */
function classify(
  lines: Line[],
  i: number,
  check: (i: number) => boolean,
): { at: number; reason: 'altered' | 'removed' | 'reordered'; detail: string } {
  const l = lines[i]!;
  if (l.bad !== undefined) return { at: i, reason: 'altered', detail: `the line is ${l.bad}` };
  const prevHash = l.rec!.prevHash as string;
  const byHash = new Map<string, number>();
  for (let k = 0; k < lines.length; k++) byHash.set(lines[k]!.hash, k);
  const j = byHash.get(prevHash);
  if (j !== undefined && j !== i - 1)
    return { at: i, reason: 'reordered', detail: `the record chains from line ${lines[j]!.no} of ${basename(lines[j]!.file)}` };
  if (j === i - 1)
    return {
      at: i,
      reason: 'removed',
      detail: `the file before ${basename(l.file)} is missing or misnamed (prevFile ${JSON.stringify(l.rec!.prevFile)})`,
    };
  // its prevHash names no line here. If the next line does not chain from this one either, this
  // line's bytes (its prevHash) were changed.
  if (
    i + 1 < lines.length &&
    !check(i + 1) &&
    lines[i + 1]!.bad === undefined &&
    byHash.get(lines[i + 1]!.rec!.prevHash as string) === undefined
  ) {
    return {
      at: i,
      reason: 'altered',
      detail: 'the line was changed (its prevHash matches no line, and the next line does not chain from it)',
    };
  }
  if (i === 0)
    return { at: 0, reason: 'removed', detail: 'the first record does not chain from the start of the log: records before it are missing' };
  // The previous line was changed, or lines between the two were removed: the sequence numbers
  // of the engine instance tell which.
  if (consecutive(lines, i)) return { at: i - 1, reason: 'altered', detail: 'the line was changed (the next line does not chain from it)' };
  return { at: i, reason: 'removed', detail: 'records before this line are missing (the chain and the sequence numbers skip)' };
}

/**
 * Whether nothing is missing between lines i-1 and i (so line i-1 is what changed), by the
 * sequence numbers of the engine instance that wrote line i.
 */
function consecutive(lines: Line[], i: number): boolean {
  const cur = lines[i]!.rec!;
  const prev = lines[i - 1]!.rec;
  if (!prev) return true;
  // a record whose id disagrees with its own instance and seq was changed
  if (typeof prev.id === 'string' && prev.id !== `${String(prev.instance)}-${String(prev.seq)}`) return true;
  if (typeof cur.seq !== 'number') return true;
  // records of several engines may interleave: compare with this instance's previous record
  for (let k = i - 1; k >= 0; k--) {
    const r = lines[k]!.rec;
    if (r && r.instance === cur.instance) return r.seq === cur.seq - 1;
  }
  return true;
}

// ------------------------------------------------------------------ exit hook

interface Closable {
  close(): Promise<void>;
}

export interface FlushOnExitOptions {
  /** Also close on these signals, then re-raise them (the default action: exit). Default none. */
  signals?: NodeJS.Signals[];
  /** Called when closing fails. Default console.error. */
  onError?: (error: unknown) => void;
}

/**
 * Closes the engine (writing every queued audit record and closing the sink) when the event loop
 * empties (`beforeExit`), and on the given signals. `beforeExit` does not fire on
 * `process.exit()`, on an uncaught exception or on a signal: call `await engine.close()` there.
 * Returns a function that removes the hooks.
 */
export function flushAuditOnExit(engine: Closable, options: FlushOnExitOptions = {}): () => void {
  const onError = options.onError ?? ((e: unknown) => console.error('llm-policy-engine: closing the engine at exit failed:', e));
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= engine.close().catch(onError));
  const onBeforeExit = (): void => void close();
  process.on('beforeExit', onBeforeExit);
  const handlers = (options.signals ?? []).map((sig) => {
    const h = (): void => {
      void close().finally(() => {
        remove();
        process.kill(process.pid, sig);
      });
    };
    process.once(sig, h);
    return [sig, h] as const;
  });
  const remove = (): void => {
    process.off('beforeExit', onBeforeExit);
    for (const [sig, h] of handlers) process.off(sig, h);
  };
  return remove;
}
