import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PIECE = 1 << 20;
const COMMA = 0x2c;
const QUOTE = 0x22;
const UNDERSCORE = 0x5f;

/**
 * The elements of `--json`'s partnerInferenceIds array as the bytes JSON.stringify would write, built record by record
 * from each record's ID base and inference count: no string per ID, no array of them, no stringify of one. 700,000
 * IDs take their ~27 MB of text. Given a directory, each full 1 MiB piece goes to a temporary file there (the page
 * cache, not the process, holds them); without one, pieces stay in memory.
 * @example
 * const ids = new PartnerIdText();
 * ids.add('req-7', 2); ids.drain((piece) => process.stdout.write(piece)); // "req-7_0","req-7_1"
 */
export class PartnerIdText {
  private readonly chunks: Buffer[] = [];
  private buf = Buffer.allocUnsafe(PIECE);
  private at = 0;
  private empty = true;
  private spill?: { path: string; fd: number };

  constructor(private readonly spillDir?: string) {}

  /** Appends `base` (one inference), or `base_0` … `base_{count-1}`. */
  add(base: string, count: number): void {
    if (count < 1) return;
    const end = this.tryPlain(base, count);
    if (end >= 0) {
      this.at = end;
      this.empty = false;
      return;
    }
    // A base needing escapes or UTF-8 (quotes, backslashes, control or non-ASCII characters): JSON.stringify's
    // escapes, once per record; the suffixes are ASCII and go inside its closing quote.
    const escaped = JSON.stringify(base).slice(1, -1);
    const bytes = Buffer.byteLength(escaped, 'utf8');
    for (let i = 0; i < count; i++) {
      this.reserve(bytes + 16);
      let at = this.at;
      if (!this.empty) this.buf[at++] = COMMA;
      this.buf[at++] = QUOTE;
      at += this.buf.write(escaped, at, 'utf8');
      if (count !== 1) at = writeSuffix(this.buf, at, i);
      this.buf[at++] = QUOTE;
      this.at = at;
      this.empty = false;
    }
  }

  /** Hands every piece, in order, to `write`; then forgets them (and removes the temporary file). */
  drain(write: (piece: Buffer) => void): void {
    this.flush();
    if (this.spill) {
      // A fresh buffer per read: stdout may still hold the previous one (a pipe is written asynchronously).
      for (let at = 0; ; ) {
        const piece = Buffer.allocUnsafe(PIECE);
        const n = readSync(this.spill.fd, piece, 0, piece.length, at);
        if (n === 0) break;
        write(piece.subarray(0, n));
        at += n;
      }
      this.dispose();
    }
    for (const chunk of this.chunks.splice(0)) write(chunk);
  }

  dispose(): void {
    if (!this.spill) return;
    closeSync(this.spill.fd);
    rmSync(dirname(this.spill.path), { recursive: true, force: true });
    this.spill = undefined;
  }

  /**
   * Writes the record's IDs when its base is printable ASCII other than `"` and `\` (what JSON.stringify copies as
   * is), copying the characters while checking them; returns the new end, or -1 (nothing kept) for any other base.
   */
  private tryPlain(base: string, count: number): number {
    const n = base.length;
    // Comma, quotes, underscore and up to 10 digits per ID.
    this.reserve(count * (n + 14));
    const buf = this.buf;
    let at = this.at;
    if (!this.empty) buf[at++] = COMMA;
    buf[at++] = QUOTE;
    const start = at;
    for (let k = 0; k < n; k++) {
      const c = base.charCodeAt(k);
      if (c < 0x20 || c > 0x7f || c === QUOTE || c === 0x5c) return -1;
      buf[at++] = c;
    }
    if (count === 1) {
      buf[at++] = QUOTE;
      return at;
    }
    at = writeSuffix(buf, at, 0);
    buf[at++] = QUOTE;
    for (let i = 1; i < count; i++) {
      buf[at++] = COMMA;
      buf[at++] = QUOTE;
      // The base again with copyWithin (a memmove), not a byte loop: 100 -> 70 ms for the 682,000 IDs of 200 MB.
      buf.copyWithin(at, start, start + n);
      at += n;
      at = writeSuffix(buf, at, i);
      buf[at++] = QUOTE;
    }
    return at;
  }

  /** Makes room for `bytes` more: the full piece goes out first, and a single oversized record gets a bigger one. */
  private reserve(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    this.flush();
    if (bytes > this.buf.length) this.buf = Buffer.allocUnsafe(bytes);
  }

  private flush(): void {
    if (this.at === 0) return;
    const piece = this.buf.subarray(0, this.at);
    this.at = 0;
    if (this.spillDir === undefined) {
      this.chunks.push(Buffer.from(piece));
      return;
    }
    if (!this.spill) {
      const path = join(mkdtempSync(join(this.spillDir, 'capture-router-ids-')), 'ids.json');
      this.spill = { path, fd: openSync(path, 'w+', 0o600) };
    }
    writeSync(this.spill.fd, piece);
  }
}

/** `_` and the decimal digits of i. */
function writeSuffix(buf: Buffer, at: number, i: number): number {
  buf[at++] = UNDERSCORE;
  if (i < 10) {
    buf[at++] = 48 + i;
    return at;
  }
  const digits = String(i);
  for (let k = 0; k < digits.length; k++) buf[at++] = digits.charCodeAt(k);
  return at;
}
