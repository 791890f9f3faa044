import { describe, expect, it } from '@jest/globals';
import { multipartEnvelope } from '../../../src/arthur/index.js';
import { boundaryOf, MultipartError, MultipartParser, parseDisposition, type MultipartEvent } from '../../../local/multipart-parser.js';

/** Runs the parser over `body` cut into pieces of `size` bytes; returns the parts with their data joined. */
function parse(body: Buffer, boundary: string, size = body.length) {
  const parser = new MultipartParser(boundary);
  const events: MultipartEvent[] = [];
  for (let i = 0; i < body.length; i += size) events.push(...parser.push(body.subarray(i, i + size)));
  parser.end();
  const parts: Array<{ name?: string; filename?: string; chunks: Buffer[] }> = [];
  for (const event of events) {
    if (event.kind === 'part') parts.push({ name: event.part.name, filename: event.part.filename, chunks: [] });
    else if (event.kind === 'data') parts[parts.length - 1]!.chunks.push(event.chunk);
  }
  return parts.map(({ chunks, ...rest }) => ({ ...rest, data: Buffer.concat(chunks).toString('utf8') }));
}

describe('the client envelope read back by the receiver parser', () => {
  const content = '{"a":1}\r\n{"b":"--not-a-boundary"}\n\r\n€ end';
  const envelope = multipartEnvelope('inference_data', 'dir/21-48-903-"odd".jsonl');
  const body = Buffer.concat([envelope.head, Buffer.from(content), envelope.tail]);

  it.each([[1], [2], [3], [7], [64], [body.length]])('gives back the file byte for byte when cut every %i bytes', (size) => {
    expect(parse(body, boundaryOf(envelope.contentType)!, size)).toEqual([
      { name: 'inference_data', filename: '21-48-903-_odd_.jsonl', data: content },
    ]);
  });

  it('uses a fresh random boundary per upload', () => {
    expect(multipartEnvelope('f', 'a').boundary).not.toBe(multipartEnvelope('f', 'a').boundary);
  });
});

describe('MultipartParser', () => {
  const b = 'XyZ';
  it('skips a preamble and an epilogue, and reads several parts', () => {
    const body = Buffer.from(
      `preamble text\r\n--${b}\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--${b}  \r\n` +
        `content-disposition: form-data; name=b; filename="x.jsonl"\r\n\r\n22\r\n--${b}--\r\nepilogue`,
    );
    expect(parse(body, b)).toEqual([
      { name: 'a', filename: undefined, data: '1' },
      { name: 'b', filename: 'x.jsonl', data: '22' },
    ]);
  });

  it('reads an empty file part', () => {
    expect(parse(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="f"\r\n\r\n\r\n--${b}--`), b)).toEqual([
      { name: 'f', filename: undefined, data: '' },
    ]);
  });

  it.each([
    ['no closing boundary (a truncated upload)', `--${b}\r\nContent-Disposition: form-data; name="f"\r\n\r\nabc`],
    ['no boundary at all', 'just some bytes'],
    ['a part without Content-Disposition', `--${b}\r\nContent-Type: text/plain\r\n\r\nabc\r\n--${b}--`],
    ['garbage after a boundary', `--${b}junk\r\nContent-Disposition: form-data; name="f"\r\n\r\nabc\r\n--${b}--`],
  ])('refuses %s', (_label, text) => {
    expect(() => parse(Buffer.from(text), b)).toThrow(MultipartError);
  });

  it('refuses part headers beyond the cap instead of buffering them', () => {
    const parser = new MultipartParser(b, 1024);
    expect(() => parser.push(Buffer.from(`--${b}\r\nX-Long: ${'a'.repeat(4096)}`))).toThrow(/headers too large/);
  });
});

describe('header parameters', () => {
  it.each([
    ['multipart/form-data; boundary=abc', 'abc'],
    ['Multipart/Form-Data; charset=utf-8; boundary="a b:c"', 'a b:c'],
    ['application/json', undefined],
    ['multipart/form-data', undefined],
    [`multipart/form-data; boundary=${'x'.repeat(71)}`, undefined],
    [undefined, undefined],
  ])('boundaryOf(%p) → %p', (value, expected) => {
    expect(boundaryOf(value)).toBe(expected);
  });

  it('reads quoted names with escapes and bare tokens', () => {
    expect(parseDisposition('form-data; name="inference_data"; filename="a \\"b\\".jsonl"')).toEqual({ name: 'inference_data', filename: 'a "b".jsonl' });
    expect(parseDisposition('form-data; name=inference_data')).toEqual({ name: 'inference_data' });
  });
});
