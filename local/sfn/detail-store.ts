/** The details of older executions: the spill file, or the journal kept across restarts (docs/LOCAL.md). */
import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import type { ExecutionStatus } from '../workflow-runner.js';
import { STATUSES } from './rows.js';

/** What an older execution answers beyond its row: one JSON line in the spill file (or one string in memory). */
export interface Details {
  input: string;
  /** The output as JSON text, when the run succeeded. */
  output?: string;
  error?: string;
  cause?: string;
}

/** A journal line: an ended execution, everything needed to list and describe it after a restart. */
export interface JournalEntry extends Details {
  name: string;
  status: ExecutionStatus;
  startMs: number;
  stopMs: number;
}

/**
 * The details of older executions by row. With a path: appended to that file as JSON lines, and only each line's
 * offset and length stay in memory (12 bytes a row); without one, or if a write fails, the line itself is kept.
 */
export class DetailStore {
  private readonly fd?: number;
  private end = 0;
  private at = new Float64Array(0);
  private length = new Uint32Array(0);
  private readonly inMemory = new Map<number, string>();
  private closed = false;
  /** With `keep`: the executions the file already held, until the endpoint takes them as rows. */
  private restored: Array<JournalEntry & { at: number; length: number }> = [];

  /** `keep`: read what the file holds and append after it (the journal); otherwise start it empty (the spill file). */
  constructor(path?: string, keep = false) {
    if (path === undefined) return;
    this.fd = openSync(path, keep ? (existsSync(path) ? 'r+' : 'w+') : 'w+');
    if (keep) this.end = this.readJournal();
  }

  /** The executions read from the journal at start, each with where its line is; once (then forgotten here). */
  takeRestored(): Array<JournalEntry & { at: number; length: number }> {
    const restored = this.restored;
    this.restored = [];
    return restored;
  }

  /** Points a row at a line already in the file. */
  place(row: number, at: number, length: number): void {
    if (row >= this.at.length) this.grow(row + 1);
    this.at[row] = at;
    this.length[row] = length;
  }

  /**
   * Collects the complete lines of the journal; returns where the next line goes. A line cut by a crash
   * mid-write (no newline, or not JSON) ends the readable part and is overwritten by the next one.
   */
  private readJournal(): number {
    const size = fstatSync(this.fd!).size;
    const chunk = Buffer.allocUnsafe(1 << 20);
    let carry = Buffer.alloc(0);
    let offset = 0;
    let valid = 0;
    while (offset < size) {
      const n = readSync(this.fd!, chunk, 0, chunk.length, offset);
      if (n === 0) break;
      offset += n;
      const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
        const length = nl - start + 1;
        const entry = journalEntry(data.toString('utf8', start, nl));
        if (!entry) return valid;
        this.restored.push({ ...entry, at: valid, length });
        valid += length;
        start = nl + 1;
      }
      carry = Buffer.from(data.subarray(start));
    }
    return valid;
  }

  put(row: number, details: Details): void {
    const line = JSON.stringify(details);
    if (this.fd !== undefined) {
      try {
        const bytes = Buffer.from(`${line}\n`);
        writeSync(this.fd, bytes, 0, bytes.length, this.end);
        if (row >= this.at.length) this.grow(row + 1);
        this.at[row] = this.end;
        this.length[row] = bytes.length;
        this.end += bytes.length;
        return;
      } catch {
        // A full or read-only disk: keep this one in memory rather than lose what DescribeExecution answers.
      }
    }
    this.inMemory.set(row, line);
  }

  get(row: number): Details {
    const line = this.inMemory.get(row);
    if (line !== undefined) return JSON.parse(line) as Details;
    if (this.closed) throw new Error('the local Step Functions endpoint is closed: older executions are no longer readable');
    const bytes = Buffer.allocUnsafe(this.length[row]!);
    readSync(this.fd!, bytes, 0, bytes.length, this.at[row]!);
    return JSON.parse(bytes.toString('utf8')) as Details;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
  }

  private grow(min: number): void {
    const n = Math.max(min, this.at.length * 2, 1024);
    const at = new Float64Array(n);
    at.set(this.at);
    const length = new Uint32Array(n);
    length.set(this.length);
    this.at = at;
    this.length = length;
  }
}

/** A journal line as an entry, or undefined if it is not one (cut by a crash, or not JSON). */
function journalEntry(line: string): JournalEntry | undefined {
  let entry: JournalEntry;
  try {
    entry = JSON.parse(line) as JournalEntry;
  } catch {
    return undefined;
  }
  if (!entry || typeof entry.name !== 'string' || !STATUSES.includes(entry.status) || typeof entry.startMs !== 'number') return undefined;
  return entry;
}
