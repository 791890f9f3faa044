/**
 * A streaming multipart/form-data reader (RFC 7578 over RFC 2046), for the Arthur-compatible receiver.
 * It holds at most one chunk plus a delimiter's length of a part's body, so a 200 MB upload is read in
 * constant memory; headers are capped because they are the one thing it must see whole.
 */

export interface PartHeaders {
  /** Header names lower-cased; a repeated header keeps its last value. */
  headers: Record<string, string>;
  /** From Content-Disposition: the form field name, and the file name when the part is a file. */
  name?: string;
  filename?: string;
}

export type MultipartEvent =
  | { kind: 'part'; part: PartHeaders }
  | { kind: 'data'; chunk: Buffer }
  | { kind: 'partEnd' };

export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MultipartError';
  }
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * The boundary parameter of a multipart/form-data Content-Type, or undefined when the type is anything else.
 * @example boundaryOf('multipart/form-data; boundary="abc"') // 'abc'
 */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const [type, ...params] = contentType.split(';');
  if (type!.trim().toLowerCase() !== 'multipart/form-data') return undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== 'boundary') continue;
    let value = param.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    // RFC 2046: 1 to 70 characters.
    return value.length >= 1 && value.length <= 70 ? value : undefined;
  }
  return undefined;
}

/** Parses `form-data; name="x"; filename="y.jsonl"` (quoted strings with backslash escapes, or bare tokens). */
export function parseDisposition(value: string): { name?: string; filename?: string } {
  const out: { name?: string; filename?: string } = {};
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (let match = re.exec(value); match !== null; match = re.exec(value)) {
    const key = match[1]!.toLowerCase();
    const param = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!.trim();
    if (key === 'name') out.name = param;
    else if (key === 'filename') out.filename = param;
  }
  return out;
}

type State = 'preamble' | 'delimiter' | 'headers' | 'body' | 'done';

/**
 * Push-style parser: feed chunks with `push`, then call `end`. Events come back from each call, in order.
 * @example
 * const parser = new MultipartParser(boundaryOf(req.headers['content-type'])!);
 * for await (const chunk of req) for (const event of parser.push(chunk)) handle(event);
 * parser.end();
 */
export class MultipartParser {
  private readonly delimiter: Buffer;
  // The first delimiter may open the body without the CRLF that precedes every later one.
  private buffer: Buffer = Buffer.from(CRLF);
  private state: State = 'preamble';

  constructor(
    boundary: string,
    private readonly maxHeaderBytes = 16 * 1024,
  ) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  }

  push(chunk: Buffer): MultipartEvent[] {
    const events: MultipartEvent[] = [];
    if (this.state === 'done') return events; // the epilogue is ignored
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.advance(events);
    return events;
  }

  /** Throws when the body stopped before the closing delimiter: a truncated upload must not look complete. */
  end(): void {
    if (this.state !== 'done') {
      throw new MultipartError('the multipart body ended before its closing boundary (truncated upload?)');
    }
  }

  private advance(events: MultipartEvent[]): void {
    for (;;) {
      switch (this.state) {
        case 'preamble': {
          const at = this.buffer.indexOf(this.delimiter);
          if (at === -1) {
            this.keepTail();
            return;
          }
          this.buffer = this.buffer.subarray(at + this.delimiter.length);
          this.state = 'delimiter';
          break;
        }
        case 'delimiter': {
          // After a delimiter: "--" closes the body; otherwise optional linear whitespace, then CRLF.
          if (this.buffer.length < 2) return;
          if (this.buffer[0] === 0x2d && this.buffer[1] === 0x2d) {
            this.state = 'done';
            this.buffer = Buffer.alloc(0);
            return;
          }
          const eol = this.buffer.indexOf(CRLF);
          if (eol === -1) {
            if (this.buffer.length > 256) throw new MultipartError('garbage after a multipart boundary');
            return;
          }
          if (!/^[ \t]*$/.test(this.buffer.subarray(0, eol).toString('latin1'))) {
            throw new MultipartError('garbage after a multipart boundary');
          }
          this.buffer = this.buffer.subarray(eol + 2);
          this.state = 'headers';
          break;
        }
        case 'headers': {
          let block: string;
          if (this.buffer.length >= 2 && this.buffer[0] === 0x0d && this.buffer[1] === 0x0a) {
            block = '';
            this.buffer = this.buffer.subarray(2);
          } else {
            const end = this.buffer.indexOf(HEADER_END);
            if (end === -1) {
              if (this.buffer.length > this.maxHeaderBytes) throw new MultipartError('multipart part headers too large');
              return;
            }
            block = this.buffer.subarray(0, end).toString('utf8');
            this.buffer = this.buffer.subarray(end + HEADER_END.length);
          }
          events.push({ kind: 'part', part: parseHeaders(block) });
          this.state = 'body';
          break;
        }
        case 'body': {
          const at = this.buffer.indexOf(this.delimiter);
          if (at === -1) {
            const safe = this.buffer.length - (this.delimiter.length - 1);
            if (safe > 0) {
              events.push({ kind: 'data', chunk: this.buffer.subarray(0, safe) });
              this.buffer = this.buffer.subarray(safe);
            }
            return;
          }
          if (at > 0) events.push({ kind: 'data', chunk: this.buffer.subarray(0, at) });
          events.push({ kind: 'partEnd' });
          this.buffer = this.buffer.subarray(at + this.delimiter.length);
          this.state = 'delimiter';
          break;
        }
        case 'done':
          return;
      }
    }
  }

  /** Keeps only what could still be the start of a delimiter. */
  private keepTail(): void {
    const keep = this.delimiter.length - 1;
    if (this.buffer.length > keep) this.buffer = this.buffer.subarray(this.buffer.length - keep);
  }
}

function parseHeaders(block: string): PartHeaders {
  const headers: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MultipartError(`malformed multipart header line "${line.slice(0, 80)}"`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const disposition = headers['content-disposition'];
  if (!disposition || !/^\s*form-data\s*(;|$)/i.test(disposition)) {
    throw new MultipartError('a multipart/form-data part needs "Content-Disposition: form-data; name=…"');
  }
  return { headers, ...parseDisposition(disposition) };
}
