// StdoutAuditSink: one JSON line per record, with the fields pino writes first (`level`, `time`,
// `msg`), so the lines go through the same log pipeline as a pino logger's. Runtime-neutral:
// writes to process.stdout when there is one, else console.log, or to the `write` given.

import type { AuditRecord, AuditSink } from '../../audit/index.js';
import { installJsAuditHash } from './digest.js';

export interface StdoutAuditSinkOptions {
  /** Receives the lines of one batch, each ending in a newline. Default: process.stdout.write, else console.log. */
  write?: (chunk: string) => void;
  /** pino levels by effect (usage records are `info`). Default allow 30 (info), warn 40, deny 40 (warn). */
  levels?: { allow?: number; warn?: number; deny?: number; usage?: number };
  /** The `msg` of decision and usage records. Default 'policy decision' and 'policy usage'. */
  msg?: { decision?: string; usage?: string };
}

interface Writable {
  write(chunk: string): unknown;
}

export class StdoutAuditSink implements AuditSink {
  private readonly out: (chunk: string) => void;
  private readonly levels: { allow: number; warn: number; deny: number; usage: number };
  private readonly msg: { decision: string; usage: string };

  constructor(options: StdoutAuditSinkOptions = {}) {
    installJsAuditHash();
    const stdout = (globalThis as { process?: { stdout?: Writable } }).process?.stdout;
    this.out = options.write ?? (stdout ? (c) => void stdout.write(c) : (c) => console.log(c.endsWith('\n') ? c.slice(0, -1) : c));
    this.levels = { allow: 30, warn: 40, deny: 40, usage: 30, ...options.levels };
    this.msg = { decision: 'policy decision', usage: 'policy usage', ...options.msg };
  }

  write(records: readonly AuditRecord[]): void {
    let chunk = '';
    for (const r of records) chunk += `${this.line(r)}\n`;
    if (chunk) this.out(chunk);
  }

  /** The JSON line of one record: level, time, msg, then the record's fields. */
  line(r: AuditRecord): string {
    const level = r.kind === 'usage' ? this.levels.usage : this.levels[r.effect];
    const msg = r.kind === 'usage' ? this.msg.usage : this.msg.decision;
    // `time` is the record's own: placed second as pino does, the spread then sets the same value
    const head: Record<string, unknown> = { level, time: r.time, msg };
    return JSON.stringify(Object.assign(head, r));
  }
}
