/**
 * Finds where each HTTP/1.x response ends in the bytes of one keep-alive connection, and its
 * status: all a load generator needs of a response, read without copying the headers into
 * strings or the body anywhere. One request is outstanding at a time (no pipelining).
 *
 * Framing follows RFC 9112 section 6: no body after HEAD or for 1xx, 204 and 304; else
 * chunked when chunked is the last transfer coding, else Content-Length, else the body runs
 * to the connection's close. Interim (1xx) responses are skipped. Malformed framing throws
 * Http1ProtocolError: the connection cannot be trusted after it.
 */

export class Http1ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Http1ProtocolError';
  }
}

export interface Http1Response {
  status: number;
  /** False when the response said the connection closes after it (or HTTP/1.0 without keep-alive). */
  keepAlive: boolean;
}

/** A response head can be this long at most; nginx's default buffers hold 8 KiB. */
export const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE_BYTES = 4096;

const CR = 0x0d;
const LF = 0x0a;
const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_PREFIX = Buffer.from('HTTP/1.');
const CONTENT_LENGTH = Buffer.from('content-length');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding');
const CONNECTION = Buffer.from('connection');
const CLOSE = Buffer.from('close');
const KEEP_ALIVE = Buffer.from('keep-alive');

const enum State {
  Idle,
  Head,
  FixedBody,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  BodyToClose,
}

/** What a head says about the body and the connection. */
interface HeadFields {
  contentLength: number;
  chunked: boolean;
  close: boolean;
  keepAlive: boolean;
}

export class Http1ResponseReader {
  private state = State.Idle;
  private pending: Buffer | undefined;
  private headRequest = false;
  private remaining = 0;
  private current: Http1Response = { status: 0, keepAlive: true };

  /** A request went out: its response comes next. `head`: it was a HEAD request. */
  expect(head: boolean): void {
    if (this.state !== State.Idle) throw new Error('a response is already expected');
    this.headRequest = head;
    this.state = State.Head;
  }

  /** Waiting for a response (a request is outstanding). */
  get busy(): boolean {
    return this.state !== State.Idle;
  }

  /**
   * Reads `chunk`; returns the response it completes, if any. Bytes past the end of the
   * expected response (nothing was asked) throw: the server sent what no one requested.
   */
  feed(chunk: Buffer): Http1Response | undefined {
    let data = chunk;
    if (this.pending !== undefined) {
      data = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let at = 0;
    while (at < data.length) {
      const before = at;
      at = this.step(data, at);
      if (this.state === State.Idle) {
        if (at < data.length) {
          throw new Http1ProtocolError(
            `${data.length - at} bytes arrived after the response, with no request outstanding`,
          );
        }
        return this.current;
      }
      if (at === before) {
        // Needs more bytes: keep the unread tail for the next chunk, copied out of the
        // caller's chunk (a read buffer that the next read overwrites).
        this.pending = data === chunk ? Buffer.from(data.subarray(at)) : data.subarray(at);
        this.checkPendingSize();
        return undefined;
      }
    }
    return undefined;
  }

  /**
   * The connection ended: returns the response that the close completes (a body that runs to
   * the close), or undefined when none was outstanding. Throws when a response was cut off.
   */
  end(): Http1Response | undefined {
    if (this.state === State.Idle) return undefined;
    if (this.state === State.BodyToClose) {
      this.state = State.Idle;
      return this.current;
    }
    this.reset();
    throw new Http1ProtocolError('the connection closed before the response was complete');
  }

  /** Forgets everything in progress (the connection was dropped). */
  reset(): void {
    this.state = State.Idle;
    this.pending = undefined;
    this.remaining = 0;
  }

  private checkPendingSize(): void {
    const size = this.pending?.length ?? 0;
    if (this.state === State.Head && size > MAX_HEAD_BYTES) {
      throw new Http1ProtocolError(`a response head longer than ${MAX_HEAD_BYTES} bytes`);
    }
    if (
      (this.state === State.ChunkSize || this.state === State.ChunkDataEnd) &&
      size > MAX_CHUNK_LINE_BYTES
    ) {
      throw new Http1ProtocolError(`a chunk-size line longer than ${MAX_CHUNK_LINE_BYTES} bytes`);
    }
    if (this.state === State.Trailers && size > MAX_HEAD_BYTES) {
      throw new Http1ProtocolError(`trailers longer than ${MAX_HEAD_BYTES} bytes`);
    }
  }

  /** Consumes what it can from `at`; returns the new offset (unchanged: more bytes needed). */
  private step(data: Buffer, at: number): number {
    switch (this.state) {
      case State.Head:
        return this.readHead(data, at);
      case State.FixedBody:
        return this.skipBody(data, at, State.Idle);
      case State.ChunkSize:
        return this.readChunkSize(data, at);
      case State.ChunkData:
        return this.skipBody(data, at, State.ChunkDataEnd);
      case State.ChunkDataEnd: {
        if (data.length - at < 2) return at;
        if (data[at] !== CR || data[at + 1] !== LF) {
          throw new Http1ProtocolError('a chunk did not end with CRLF');
        }
        this.state = State.ChunkSize;
        return at + 2;
      }
      case State.Trailers:
        return this.readTrailers(data, at);
      case State.BodyToClose:
        return data.length;
      case State.Idle:
        return at;
    }
  }

  /** Passes over `remaining` bytes of body, then goes on to `then`. */
  private skipBody(data: Buffer, at: number, then: State): number {
    const take = Math.min(this.remaining, data.length - at);
    this.remaining -= take;
    if (this.remaining === 0) this.state = then;
    return at + take;
  }

  private readHead(data: Buffer, at: number): number {
    const end = data.indexOf(HEAD_END, at);
    if (end < 0) return at;
    const status = parseStatusLine(data, at);
    const fields = parseHeaderFields(data, at, end);
    const next = end + HEAD_END.length;
    // Interim responses (100 Continue, 103 Early Hints) precede the real one.
    if (status >= 100 && status < 200) {
      if (status === 101) throw new Http1ProtocolError('the server switched protocols (101)');
      return next;
    }
    const http10 = data[at + STATUS_PREFIX.length] === 0x30;
    const keepAlive = !fields.close && (!http10 || fields.keepAlive);
    this.current = { status, keepAlive };
    if (this.headRequest || status === 204 || status === 304) {
      this.state = State.Idle;
    } else if (fields.chunked) {
      this.state = State.ChunkSize;
    } else if (fields.contentLength >= 0) {
      this.remaining = fields.contentLength;
      this.state = fields.contentLength === 0 ? State.Idle : State.FixedBody;
    } else {
      this.current = { status, keepAlive: false };
      this.state = State.BodyToClose;
    }
    return next;
  }

  private readChunkSize(data: Buffer, at: number): number {
    const lineEnd = data.indexOf(LF, at);
    if (lineEnd < 0) return at;
    let size = 0;
    let digits = 0;
    let i = at;
    for (; i < lineEnd; i++) {
      const digit = hexDigit(data[i] as number);
      if (digit < 0) break;
      size = size * 16 + digit;
      digits += 1;
    }
    if (digits === 0 || digits > 12 || data[lineEnd - 1] !== CR) {
      throw new Http1ProtocolError('a malformed chunk-size line');
    }
    // Anything after the digits must be chunk extensions (";name=value") or whitespace.
    const rest = data[i];
    if (i < lineEnd - 1 && rest !== 0x3b && rest !== 0x20 && rest !== 0x09) {
      throw new Http1ProtocolError('a malformed chunk-size line');
    }
    if (size === 0) {
      this.state = State.Trailers;
    } else {
      this.remaining = size;
      this.state = State.ChunkData;
    }
    return lineEnd + 1;
  }

  /** Trailer lines, up to an empty line; their content is not needed. */
  private readTrailers(data: Buffer, at: number): number {
    let lineStart = at;
    for (;;) {
      const lineEnd = data.indexOf(LF, lineStart);
      if (lineEnd < 0) return at;
      if (lineEnd === lineStart + 1 && data[lineStart] === CR) {
        this.state = State.Idle;
        return lineEnd + 1;
      }
      lineStart = lineEnd + 1;
    }
  }
}

/** "HTTP/1.1 200 OK": the status, after checking the line's shape. */
function parseStatusLine(data: Buffer, at: number): number {
  const s = at + STATUS_PREFIX.length + 2;
  const valid =
    data.compare(STATUS_PREFIX, 0, STATUS_PREFIX.length, at, at + STATUS_PREFIX.length) === 0 &&
    (data[at + STATUS_PREFIX.length] === 0x30 || data[at + STATUS_PREFIX.length] === 0x31) &&
    data[s - 1] === 0x20 &&
    isDigit(data[s]) &&
    isDigit(data[s + 1]) &&
    isDigit(data[s + 2]);
  if (!valid) {
    const line = data.toString('latin1', at, Math.min(data.indexOf(CR, at), at + 40));
    throw new Http1ProtocolError(`not an HTTP/1.x status line: "${line}"`);
  }
  return (
    ((data[s] as number) - 48) * 100 +
    ((data[s + 1] as number) - 48) * 10 +
    (data[s + 2] as number) -
    48
  );
}

/** The framing fields of the head's header lines, read as bytes (names case-insensitively). */
function parseHeaderFields(data: Buffer, headStart: number, headEnd: number): HeadFields {
  const fields: HeadFields = { contentLength: -1, chunked: false, close: false, keepAlive: false };
  let line = data.indexOf(LF, headStart) + 1;
  while (line > 0 && line < headEnd) {
    let lineEnd = data.indexOf(CR, line);
    if (lineEnd < 0 || lineEnd > headEnd) lineEnd = headEnd;
    const colon = data.indexOf(0x3a, line);
    if (colon > line && colon < lineEnd) {
      const nameLength = colon - line;
      if (nameIs(data, line, nameLength, CONTENT_LENGTH)) {
        const length = parseLength(data, colon + 1, lineEnd);
        if (fields.contentLength >= 0 && fields.contentLength !== length) {
          throw new Http1ProtocolError('conflicting Content-Length headers');
        }
        fields.contentLength = length;
      } else if (nameIs(data, line, nameLength, TRANSFER_ENCODING)) {
        // Chunked counts only as the last coding (RFC 9112 6.1); any other ends at the close.
        const value = data
          .toString('latin1', colon + 1, lineEnd)
          .trim()
          .toLowerCase();
        fields.chunked = /(^|,)\s*chunked$/.test(value);
        if (!fields.chunked) fields.contentLength = -1;
      } else if (nameIs(data, line, nameLength, CONNECTION)) {
        // Read in place: every keep-alive response carries this header, and a string per
        // response showed in the closed loop's profile.
        forEachToken(data, colon + 1, lineEnd, (from, to) => {
          if (nameIs(data, from, to - from, CLOSE)) fields.close = true;
          else if (nameIs(data, from, to - from, KEEP_ALIVE)) fields.keepAlive = true;
        });
      }
    }
    line = lineEnd + 2;
  }
  // Transfer-Encoding overrides Content-Length (RFC 9112 6.3).
  if (fields.chunked) fields.contentLength = -1;
  return fields;
}

/** Calls `each` with the bounds of every comma-separated token in [from, to), trimmed. */
function forEachToken(
  data: Buffer,
  from: number,
  to: number,
  each: (start: number, end: number) => void,
): void {
  let start = from;
  for (let i = from; i <= to; i++) {
    if (i < to && data[i] !== 0x2c) continue;
    let a = start;
    let b = i;
    while (a < b && (data[a] === 0x20 || data[a] === 0x09)) a++;
    while (b > a && (data[b - 1] === 0x20 || data[b - 1] === 0x09)) b--;
    if (b > a) each(a, b);
    start = i + 1;
  }
}

/** Whether the bytes at `at` are `lowerName`, compared case-insensitively (ASCII letters). */
function nameIs(data: Buffer, at: number, length: number, lowerName: Buffer): boolean {
  if (length !== lowerName.length) return false;
  for (let i = 0; i < length; i++) {
    if (((data[at + i] as number) | 0x20) !== lowerName[i]) return false;
  }
  return true;
}

function parseLength(data: Buffer, from: number, to: number): number {
  let i = from;
  while (i < to && (data[i] === 0x20 || data[i] === 0x09)) i++;
  let value = 0;
  let digits = 0;
  for (; i < to && isDigit(data[i]); i++) {
    value = value * 10 + (data[i] as number) - 48;
    digits += 1;
  }
  while (i < to && (data[i] === 0x20 || data[i] === 0x09)) i++;
  if (digits === 0 || digits > 15 || i !== to) {
    throw new Http1ProtocolError(
      `a malformed Content-Length: "${data.toString('latin1', from, to).trim()}"`,
    );
  }
  return value;
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

function hexDigit(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
