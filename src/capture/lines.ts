import { isAscii } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

/** Called once per physical line (blank ones too), with its 1-based number; a trailing CR is removed. */
export type LineHandler = (text: string, lineNo: number) => void;

/**
 * Cuts a stream of text into physical lines without ever holding more than one line plus one chunk.
 * JSON strings cannot hold a raw newline, so every '\n' ends a capture record.
 * @example
 * const lines: string[] = [];
 * const splitter = new LineSplitter((text) => lines.push(text));
 * splitter.push('a\nb'); splitter.push('c\n'); splitter.end(); // lines = ['a', 'bc']
 */
/**
 * Bytes decoded into one string. A string under V8's largest regular object (128 KiB) is a bump allocation in the
 * young generation, collected with the records parsed from it. A larger one is a large object on pages of its
 * own, mapped and zeroed for each chunk (decoding 1 MB chunks was ~6% of a check); and from 1,031,913 bytes
 * (EXTERN_APEX, nodejs/node src/string_bytes.cc) Buffer#toString('latin1') makes an external string, malloc'd
 * outside the heap and freed only by a full collection (the 200 MB check then held ~80 MB of dead chunk strings).
 */
const DECODE_BYTES = 64 * 1024;

export class LineSplitter {
  private rest = '';
  private lineNo = 0;
  private readonly decoder = new StringDecoder('utf8');
  /** The decoder holds no partial character, so the next chunk may skip it. */
  private decoderIdle = true;

  constructor(private readonly onLine: LineHandler) {}

  /** Lines seen so far (including the one being assembled). */
  get lines(): number {
    return this.lineNo;
  }

  /**
   * Bytes are decoded DECODE_BYTES at a time. Each piece of text is searched as it came, never joined to the
   * previous rest: `rest + text` is a rope that the first search copies into one flat string, the whole piece again
   * to allocate, copy and collect (with 1 MiB pieces, a twentieth of the whole check). Only the line that spans two
   * pieces is joined.
   */
  push(chunk: string | Buffer): void {
    if (typeof chunk === 'string') {
      this.pushText(chunk);
      return;
    }
    for (let at = 0; at < chunk.length; at += DECODE_BYTES) this.pushText(this.decode(chunk.subarray(at, at + DECODE_BYTES)));
  }

  private pushText(text: string): void {
    let nl = text.indexOf('\n');
    let start = 0;
    if (this.rest.length > 0) {
      if (nl === -1) {
        this.rest += text;
        return;
      }
      const line = this.rest + text.slice(0, nl);
      this.rest = '';
      this.emit(line, 0, line.length);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    for (; nl !== -1; nl = text.indexOf('\n', start)) {
      this.emit(text, start, nl);
      start = nl + 1;
    }
    this.rest = start === 0 ? text : text.slice(start);
  }

  /**
   * Capture files are mostly ASCII, and an ASCII chunk reads the same as Latin-1, which is a plain copy, while
   * UTF-8 decoding walks every byte (a fifth of the reading cost on a 200 MB file). Any other chunk, and any chunk
   * after one that ended inside a multi-byte character, goes through the UTF-8 decoder.
   */
  private decode(chunk: Buffer): string {
    if (this.decoderIdle && isAscii(chunk)) return chunk.toString('latin1');
    const text = this.decoder.write(chunk);
    // StringDecoder's `lastNeed` (bytes still missing from a split character) is not typed; without it, stay on it.
    const lastNeed = (this.decoder as unknown as { lastNeed?: unknown }).lastNeed;
    this.decoderIdle = lastNeed === 0;
    return text;
  }

  end(): void {
    const tail = this.rest + this.decoder.end();
    this.rest = '';
    if (tail.length > 0) this.emit(tail, 0, tail.length);
  }

  private emit(text: string, start: number, end: number): void {
    this.lineNo++;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    // A byte-order mark some editors put first is not part of the first record.
    if (this.lineNo === 1 && text.charCodeAt(start) === 0xfeff) start++;
    this.onLine(text.slice(start, end), this.lineNo);
  }
}

/** A capture source: a file path or any readable byte stream (an S3 body, stdin, an HTTP request). */
export type CaptureSource = string | Readable | NodeJS.ReadableStream | AsyncIterable<Buffer | string>;

/** Opens a source as an async iterable of chunks, reading files with `fileChunks`. */
export function openSource(source: CaptureSource): AsyncIterable<Buffer | string> {
  if (typeof source === 'string') return fileChunks(source);
  return source as AsyncIterable<Buffer | string>;
}

const CHUNK = 1 << 20;

/**
 * A file's bytes in 1 MiB chunks, read into two buffers in turn: the next read runs while the reader handles
 * the current chunk, and no chunk is a fresh allocation (a read stream's are: page faults and collector work for
 * every MiB). A chunk is valid only until the loop asks for the next one — how LineSplitter reads (it decodes
 * each chunk before taking another); a reader that keeps chunks needs a stream. A path is opened and closed here;
 * a handle is left open.
 * @example for await (const chunk of fileChunks('captures.jsonl')) splitter.push(chunk);
 */
export async function* fileChunks(file: string | FileHandle): AsyncGenerator<Buffer, void, undefined> {
  const handle = typeof file === 'string' ? await open(file, 'r') : file;
  const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  let turn = 0;
  let position = 0;
  let next = handle.read(buffers[0], 0, CHUNK, position);
  try {
    for (;;) {
      const { bytesRead } = await next;
      if (bytesRead === 0) return;
      position += bytesRead;
      const chunk = buffers[turn].subarray(0, bytesRead);
      turn ^= 1;
      next = handle.read(buffers[turn], 0, CHUNK, position);
      yield chunk;
    }
  } finally {
    // A reader that stopped early leaves one read in flight: it settles before the handle closes.
    await next.catch(() => undefined);
    if (typeof file === 'string') await handle.close();
  }
}

/**
 * Streams every physical line of a source to `onLine`, never the whole file in memory.
 * Resolves to the number of physical lines.
 * @example await forEachLine('captures/00-01-123-abc.jsonl', (text, lineNo) => console.log(lineNo, text.length));
 */
export async function forEachLine(source: CaptureSource, onLine: LineHandler): Promise<number> {
  const splitter = new LineSplitter(onLine);
  for await (const chunk of openSource(source)) splitter.push(chunk);
  splitter.end();
  return splitter.lines;
}
