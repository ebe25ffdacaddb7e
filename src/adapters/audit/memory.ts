// MemoryAuditSink: keeps records in an array, for tests and for hosts that ship them elsewhere.

import type { AuditRecord, AuditSink } from '../../audit/index.js';
import { installJsAuditHash } from './digest.js';

export interface MemoryAuditSinkOptions {
  /** Keep at most this many records (the oldest go first). Default: all. */
  max?: number;
}

export class MemoryAuditSink implements AuditSink {
  readonly records: AuditRecord[] = [];
  /** Batches written so far. */
  batches = 0;
  closed = false;
  private readonly max: number;

  constructor(options: MemoryAuditSinkOptions = {}) {
    installJsAuditHash();
    this.max = options.max ?? Infinity;
  }

  write(records: readonly AuditRecord[]): void {
    this.batches++;
    for (const r of records) this.records.push(r);
    if (this.records.length > this.max) this.records.splice(0, this.records.length - this.max);
  }

  clear(): void {
    this.records.length = 0;
  }

  close(): void {
    this.closed = true;
  }
}
