import { describe, expect, it } from 'vitest';
import type { Http1Response } from '../../src/load/http1-response.js';
import {
  Http1ProtocolError,
  Http1ResponseReader,
  MAX_HEAD_BYTES,
} from '../../src/load/http1-response.js';

const crlf = (lines: string[]) => lines.join('\r\n');

/**
 * Feeds `wire` in pieces cut at `cuts`; returns each response and the byte it completed at.
 * Every piece arrives in one shared buffer that is overwritten after each feed, as a socket's
 * reusable read buffer is: the reader must not keep bytes it has not copied.
 */
function readIn(
  wire: string,
  cuts: number[],
  head = false,
): { response: Http1Response; at: number }[] {
  const reader = new Http1ResponseReader();
  const bytes = Buffer.from(wire, 'latin1');
  const readBuffer = Buffer.alloc(bytes.length + 1);
  const out: { response: Http1Response; at: number }[] = [];
  reader.expect(head);
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    const length = bytes.copy(readBuffer, 0, from, to);
    const response = reader.feed(readBuffer.subarray(0, length));
    readBuffer.fill(0x58);
    if (response) out.push({ response, at: to });
    from = to;
  }
  return out;
}

/** Every way to cut `wire` in two gives the same single response, completed at the end. */
function expectSameAtEveryCut(wire: string, expected: Http1Response, head = false): void {
  const length = Buffer.byteLength(wire, 'latin1');
  for (let cut = 0; cut <= length; cut++) {
    expect(readIn(wire, [cut], head), `cut at ${cut}`).toEqual([
      { response: expected, at: length },
    ]);
  }
}

const OK = crlf(['HTTP/1.1 200 OK', 'Content-Type: text/plain', 'Content-Length: 5', '', 'hello']);

describe('Http1ResponseReader framing', () => {
  it('ends a Content-Length body at its length, however the bytes arrive', () => {
    expectSameAtEveryCut(OK, { status: 200, keepAlive: true });
    const bytewise = [...Array(OK.length - 1).keys()].map((i) => i + 1);
    expect(readIn(OK, bytewise)).toEqual([
      { response: { status: 200, keepAlive: true }, at: OK.length },
    ]);
  });

  it('reads chunked bodies with extensions and trailers', () => {
    const wire = crlf([
      'HTTP/1.1 201 Created',
      'transfer-encoding: chunked',
      '',
      '5;name=value',
      'hello',
      'A',
      '0123456789',
      '0',
      'Trailer-One: x',
      '',
      '',
    ]);
    expectSameAtEveryCut(wire, { status: 201, keepAlive: true });
  });

  it('takes chunked over Content-Length, and only as the last coding', () => {
    const both = crlf([
      'HTTP/1.1 200 OK',
      'Content-Length: 100',
      'Transfer-Encoding: gzip, chunked',
      '',
      '3',
      'abc',
      '0',
      '',
      '',
    ]);
    expectSameAtEveryCut(both, { status: 200, keepAlive: true });
    // gzip last: the body runs to the close.
    const reader = new Http1ResponseReader();
    reader.expect(false);
    const head = crlf(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked, gzip', '', 'xyz']);
    expect(reader.feed(Buffer.from(head))).toBeUndefined();
    expect(reader.end()).toEqual({ status: 200, keepAlive: false });
  });

  it('expects no body after HEAD, or for 204 and 304', () => {
    const head = crlf(['HTTP/1.1 200 OK', 'Content-Length: 1234', '', '']);
    expectSameAtEveryCut(head, { status: 200, keepAlive: true }, true);
    for (const status of [204, 304]) {
      const wire = crlf([`HTTP/1.1 ${status} X`, 'Content-Length: 10', '', '']);
      expectSameAtEveryCut(wire, { status, keepAlive: true });
    }
  });

  it('skips interim responses before the real one', () => {
    const wire = crlf([
      'HTTP/1.1 100 Continue',
      '',
      'HTTP/1.1 103 Early Hints',
      'Link: </a.css>; rel=preload',
      '',
      OK,
    ]);
    expectSameAtEveryCut(wire, { status: 200, keepAlive: true });
  });

  it('tells when the connection closes after the response', () => {
    const close = crlf(['HTTP/1.1 200 OK', 'Connection: close', 'Content-Length: 0', '', '']);
    expectSameAtEveryCut(close, { status: 200, keepAlive: false });
    const old = crlf(['HTTP/1.0 200 OK', 'Content-Length: 0', '', '']);
    expectSameAtEveryCut(old, { status: 200, keepAlive: false });
    const oldKept = crlf([
      'HTTP/1.0 200 OK',
      'connection: Keep-Alive',
      'content-length: 0',
      '',
      '',
    ]);
    expectSameAtEveryCut(oldKept, { status: 200, keepAlive: true });
    const listed = crlf([
      'HTTP/1.1 200 OK',
      'Connection: TE,  Close ',
      'Content-Length: 0',
      '',
      '',
    ]);
    expectSameAtEveryCut(listed, { status: 200, keepAlive: false });
    const notClose = crlf(['HTTP/1.1 200 OK', 'Connection: closer', 'Content-Length: 0', '', '']);
    expectSameAtEveryCut(notClose, { status: 200, keepAlive: true });
  });

  it('ends a body without length at the close, and nothing else', () => {
    const reader = new Http1ResponseReader();
    expect(reader.end()).toBeUndefined();
    reader.expect(false);
    expect(reader.feed(Buffer.from(crlf(['HTTP/1.1 200 OK', '', 'part one'])))).toBeUndefined();
    expect(reader.feed(Buffer.from(' and two'))).toBeUndefined();
    expect(reader.busy).toBe(true);
    expect(reader.end()).toEqual({ status: 200, keepAlive: false });
    expect(reader.busy).toBe(false);
  });

  it('is ready for the next response on the same connection', () => {
    const reader = new Http1ResponseReader();
    for (let i = 0; i < 3; i++) {
      reader.expect(false);
      expect(reader.busy).toBe(true);
      expect(reader.feed(Buffer.from(OK))).toEqual({ status: 200, keepAlive: true });
      expect(reader.busy).toBe(false);
    }
    expect(() => {
      reader.expect(false);
      reader.expect(false);
    }).toThrow(/already expected/);
  });
});

describe('Http1ResponseReader refuses what it cannot trust', () => {
  const refuse = (wire: string | Buffer, pattern: RegExp) => {
    const reader = new Http1ResponseReader();
    reader.expect(false);
    let error: unknown;
    try {
      reader.feed(typeof wire === 'string' ? Buffer.from(wire, 'latin1') : wire);
      reader.end();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Http1ProtocolError);
    expect((error as Error).message).toMatch(pattern);
  };

  it('names the problem', () => {
    refuse('HTTP/2 200 OK\r\n\r\n', /not an HTTP\/1.x status line: "HTTP\/2 200 OK"/);
    refuse('HTTP/1.1 2x0 OK\r\n\r\n', /not an HTTP\/1.x status line/);
    refuse(
      crlf(['HTTP/1.1 200 OK', 'Content-Length: 5', 'Content-Length: 6', '', '']),
      /conflicting Content-Length/,
    );
    refuse(crlf(['HTTP/1.1 200 OK', 'Content-Length: 5x', '', '']), /malformed Content-Length/);
    refuse(crlf(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', '', 'zz', '']), /chunk-size/);
    refuse(
      crlf(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', '', '3', 'abcd', '']),
      /did not end with CRLF/,
    );
    refuse(OK + 'HTTP/1.1 200 OK', /15 bytes arrived after the response/);
    refuse(crlf(['HTTP/1.1 101 Switching Protocols', '', '']), /switched protocols/);
    refuse(crlf(['HTTP/1.1 200 OK', 'Content-Length: 9', '', 'short']), /closed before/);
    refuse(Buffer.alloc(MAX_HEAD_BYTES + 1, 0x61), /head longer than/);
  });

  it('starts afresh after a reset', () => {
    const reader = new Http1ResponseReader();
    reader.expect(false);
    expect(reader.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Le'))).toBeUndefined();
    reader.reset();
    expect(reader.busy).toBe(false);
    reader.expect(false);
    expect(reader.feed(Buffer.from(OK))).toEqual({ status: 200, keepAlive: true });
  });
});
