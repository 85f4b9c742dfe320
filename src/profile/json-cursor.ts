/**
 * Reads JSON straight from its bytes, one value at a time, the caller asking for the type it
 * expects. For files too large to parse into objects: a 100 MB .cpuprofile parsed with
 * JSON.parse needs three and a half times its size in objects before any analysis starts,
 * while its bulk (samples and time deltas, millions of integers) fits in typed arrays. What
 * the caller does not need is skipped without being built. Streaming JSON libraries hand each
 * value over as an event or a token, a call and an object per number for the millions a
 * profile holds, which is the cost this avoids.
 */
export class JsonSyntaxError extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** Past this depth skipValue gives up instead of exhausting the stack. */
const MAX_DEPTH = 512;
/** The general number grammar, for what the integer fast path does not cover. */
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/;
/** Longer than any number a profile holds; the general path looks no further. */
const MAX_NUMBER_CHARS = 400;

/** The kind of the next value, for callers that check types before reading. */
export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'literal';

export class JsonCursor {
  private readonly bytes: Buffer;
  private pos = 0;
  /** Whether the string stringEnd last stepped over holds an escape. */
  private escaped = false;
  /** Where the number integerAt last read ends. */
  private scanEnd = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.bytes[0] === 0xef && this.bytes[1] === 0xbb && this.bytes[2] === 0xbf) this.pos = 3;
  }

  /**
   * The kind of the next value, after whitespace, without consuming it. A byte no value starts
   * with (or the end of the file) is a syntax error, whatever the caller expected there.
   */
  kind(): JsonKind {
    const c = this.peek();
    if (c === OPEN_OBJECT) return 'object';
    if (c === OPEN_ARRAY) return 'array';
    if (c === QUOTE) return 'string';
    if (c === MINUS || (c >= ZERO && c <= NINE)) return 'number';
    if (c === 0x74 || c === 0x66 || c === 0x6e) return 'literal';
    throw this.unexpected('a value');
  }

  /**
   * Steps into an object (the next value must be one) so that members can be read with
   * nextKey.
   */
  enterObject(): void {
    this.consume(OPEN_OBJECT, 'an object');
  }

  /**
   * The next member's key, as its position in `known` (-1 for any other key), with the
   * cursor on its value; -2 after the object's closing brace. Known keys are matched on their
   * bytes: a profile has millions of keys, and a string for each would be most of the garbage.
   */
  nextKey(known: readonly Uint8Array[]): number {
    let c = this.peek();
    if (c === CLOSE_OBJECT) {
      this.pos++;
      return -2;
    }
    if (!this.justOpened(OPEN_OBJECT)) {
      if (c !== COMMA) throw this.unexpected("',' or '}'");
      this.pos++;
      c = this.peek();
    }
    if (c !== QUOTE) throw this.unexpected('a key');
    const start = this.pos + 1;
    const end = this.stringEnd(this.pos);
    let found: number;
    if (!this.escaped) {
      found = matchKey(this.bytes, start, end, known);
    } else {
      const key = Buffer.from(this.decodeString(start, end), 'utf8');
      found = matchKey(key, 0, key.length, known);
    }
    this.pos = end + 1;
    this.consume(COLON, "':'");
    return found;
  }

  /** Steps into an array so that its items can be read after each nextItem. */
  enterArray(): void {
    this.consume(OPEN_ARRAY, 'an array');
  }

  /** True with the cursor on the next item; false after the array's closing bracket. */
  nextItem(): boolean {
    const c = this.peek();
    if (c === CLOSE_ARRAY) {
      this.pos++;
      return false;
    }
    if (!this.justOpened(OPEN_ARRAY)) {
      if (c !== COMMA) throw this.unexpected("',' or ']'");
      this.pos++;
    }
    return true;
  }

  /**
   * Whether the last byte before the cursor (whitespace aside) is `open`: no member or item of
   * the object or array has been read yet, as no value ends with a brace or bracket that opens.
   */
  private justOpened(open: number): boolean {
    let i = this.pos - 1;
    while (i >= 0 && isSpace(this.bytes[i]!)) i--;
    return this.bytes[i] === open;
  }

  /**
   * An array of numbers (the next value) straight into a typed array: the bulk of a large
   * profile, read by one tight loop over its digits instead of a call per value. Returns the
   * values and the index of the first item that is not a number (an integer, with
   * `integers`, in the typed array's range), -1 when all are; reading stops there.
   */
  readNumberArray<T extends Int32Array | Float64Array>(
    make: (length: number) => T,
    integers: boolean,
  ): { values: T; misfit: number } {
    this.enterArray();
    const bytes = this.bytes;
    const n = bytes.length;
    let values = make(this.estimateItems());
    let count = 0;
    let misfit = -1;
    let i = this.pos;
    while (i < n && isSpace(bytes[i]!)) i++;
    if (bytes[i] === CLOSE_ARRAY) {
      this.pos = i + 1;
    } else {
      for (;;) {
        // The spelling of nearly every number in a profile: a plain integer of at most 9 digits
        // (within 32 bits) right before ',' or ']', read and stored without further checks.
        let j = i;
        let c = bytes[j]!;
        const negative = c === MINUS;
        if (negative) c = bytes[++j]!;
        const digitsFrom = j;
        let plain = 0;
        while (c >= ZERO && c <= NINE) {
          plain = plain * 10 + (c - ZERO);
          c = bytes[++j]!;
        }
        const digits = j - digitsFrom;
        if (
          digits > 0 &&
          digits <= 9 &&
          (digits === 1 || bytes[digitsFrom] !== ZERO) &&
          (c === COMMA || c === CLOSE_ARRAY)
        ) {
          if (count === values.length) values = grow(values, make);
          values[count++] = negative ? -plain : plain;
          if (c === COMMA) {
            i = j + 1;
            continue;
          }
          this.pos = j + 1;
          break;
        }
        let value = this.integerAt(i);
        if (!Number.isNaN(value)) {
          i = this.scanEnd;
        } else {
          // Any other spelling of a number, or not a number at all.
          this.pos = i;
          if (this.kind() !== 'number') {
            misfit = count;
            break;
          }
          value = this.readAnyNumber();
          i = this.pos;
        }
        if (integers && !(Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff)) {
          misfit = count;
          break;
        }
        if (count === values.length) values = grow(values, make);
        values[count++] = value;
        while (i < n && isSpace(bytes[i]!)) i++;
        const separator = i < n ? bytes[i]! : -1;
        if (separator === COMMA) {
          i++;
          while (i < n && isSpace(bytes[i]!)) i++;
          continue;
        }
        this.pos = i;
        if (separator !== CLOSE_ARRAY) throw this.unexpected("',' or ']'");
        this.pos = i + 1;
        break;
      }
    }
    // A close estimate leaves a little unused room; a poor one is not kept.
    const trimmed =
      count * 10 >= values.length * 9 ? values.subarray(0, count) : values.slice(0, count);
    return { values: trimmed as T, misfit };
  }

  /**
   * About how many items the array the cursor has just entered holds, from the commas in its
   * first 64 KiB and its length up to the first ']' (its end, for an array of numbers): enough
   * to size a typed array once, without a pass over all of it.
   */
  private estimateItems(): number {
    const bytes = this.bytes;
    let end = bytes.indexOf(CLOSE_ARRAY, this.pos);
    if (end === -1) end = bytes.length;
    const span = end - this.pos;
    const sampled = Math.min(span, 64 * 1024);
    let commas = 0;
    for (let i = this.pos; i < this.pos + sampled; i++) if (bytes[i] === COMMA) commas++;
    if (sampled === span) return commas + 1;
    return Math.ceil((commas / sampled) * span * 1.02) + 16;
  }

  readString(): string {
    if (this.peek() !== QUOTE) throw this.unexpected('a string');
    const start = this.pos + 1;
    const end = this.stringEnd(this.pos);
    this.pos = end + 1;
    return this.decodeString(start, end);
  }

  /**
   * A number, integers through a fast path (the bulk of a profile); anything else through the
   * general grammar.
   */
  readNumber(): number {
    if (this.peek() === -1) throw this.unexpected('a number');
    const value = this.integerAt(this.pos);
    if (Number.isNaN(value)) return this.readAnyNumber();
    this.pos = this.scanEnd;
    return value;
  }

  /**
   * The integer at `at` when it is spelt as one (up to 15 digits: exact in a double, no
   * leading zero, no fraction or exponent after), its end in scanEnd; NaN for anything else.
   */
  private integerAt(at: number): number {
    const bytes = this.bytes;
    const n = bytes.length;
    const negative = bytes[at] === MINUS;
    let i = negative ? at + 1 : at;
    const digitsStart = i;
    let value = 0;
    for (; i < n; i++) {
      const digit = bytes[i]! - ZERO;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
    }
    const digits = i - digitsStart;
    const next = i < n ? bytes[i]! : -1;
    if (digits === 0 || digits > 15 || (digits > 1 && bytes[digitsStart] === ZERO)) return NaN;
    if (next === 0x2e || next === 0x65 || next === 0x45) return NaN;
    this.scanEnd = i;
    return negative ? -value : value;
  }

  /** A number in JSON's general grammar, at the cursor. */
  private readAnyNumber(): number {
    const bytes = this.bytes;
    const n = bytes.length;
    const text = bytes.toString('latin1', this.pos, Math.min(n, this.pos + MAX_NUMBER_CHARS));
    const match = NUMBER.exec(text);
    if (match === null) {
      throw this.unexpected('a number', bytes[this.pos] === MINUS ? this.pos + 1 : this.pos);
    }
    const after = this.pos + match[0].length;
    const trailing = after < n ? bytes[after]! : -1;
    if (trailing >= ZERO && trailing <= NINE) {
      throw this.fail(`a number with a leading zero at byte ${after - 1}`);
    }
    if (trailing === 0x2e || trailing === 0x65 || trailing === 0x45) {
      throw this.unexpected('a digit', after + 1);
    }
    this.pos = after;
    return Number(match[0]);
  }

  /** Steps over the next value of any kind, checking its syntax, building nothing. */
  skipValue(depth = 0): void {
    if (depth > MAX_DEPTH) throw this.fail(`values nested over ${MAX_DEPTH} deep`);
    switch (this.kind()) {
      case 'object':
        this.enterObject();
        while (this.nextKey(NO_KEYS) !== -2) this.skipValue(depth + 1);
        return;
      case 'array':
        this.enterArray();
        while (this.nextItem()) this.skipValue(depth + 1);
        return;
      case 'string':
        this.pos = this.stringEnd(this.pos) + 1;
        return;
      case 'number':
        this.readNumber();
        return;
      case 'literal':
        for (const literal of LITERALS) {
          if (matchBytes(this.bytes, this.pos, literal)) {
            this.pos += literal.length;
            return;
          }
        }
        throw this.unexpected('a value');
    }
  }

  /** Only whitespace may follow the top-level value. */
  finish(): void {
    if (this.peek() !== -1) throw this.unexpected('the end of the file after the top-level value');
  }

  private peek(): number {
    const bytes = this.bytes;
    let i = this.pos;
    while (i < bytes.length && isSpace(bytes[i]!)) i++;
    this.pos = i;
    return i < bytes.length ? bytes[i]! : -1;
  }

  private consume(byte: number, what: string): void {
    if (this.peek() !== byte) throw this.unexpected(what);
    this.pos++;
  }

  /** Position of the quote closing the string that opens at `open`. */
  private stringEnd(open: number): number {
    const bytes = this.bytes;
    const n = bytes.length;
    let i = open + 1;
    this.escaped = false;
    while (i < n) {
      const c = bytes[i]!;
      if (c === QUOTE) return i;
      if (c === BACKSLASH) {
        this.escaped = true;
        const length = escapeLength(bytes, i);
        if (length === 0) {
          throw this.fail(`a malformed escape in the string that starts at byte ${open}`);
        }
        i += length;
      } else if (c < 0x20) throw this.fail(`a control character inside a string at byte ${i}`);
      else i++;
    }
    throw this.fail(`the file ends inside the string that starts at byte ${open}`);
  }

  /**
   * The string between `start` and `end`, which stringEnd has just stepped over (and checked:
   * its escapes are well formed, so JSON.parse can undo them).
   */
  private decodeString(start: number, end: number): string {
    const bytes = this.bytes;
    if (!this.escaped) return bytes.toString('utf8', start, end);
    return JSON.parse(bytes.toString('utf8', start - 1, end + 1)) as string;
  }

  private unexpected(expected: string, at = this.pos): JsonSyntaxError {
    if (at >= this.bytes.length) return this.fail(`the file ends where ${expected} should be`);
    const byte = this.bytes[at]!;
    const shown =
      byte >= 0x20 && byte < 0x7f
        ? `'${String.fromCharCode(byte)}'`
        : `byte 0x${byte.toString(16)}`;
    return this.fail(`expected ${expected} at byte ${at}, found ${shown}`);
  }

  private fail(message: string): JsonSyntaxError {
    return new JsonSyntaxError(message);
  }
}

/** Keys as bytes, for nextKey. */
export function keys(...names: string[]): Uint8Array[] {
  return names.map((name) => Buffer.from(name, 'utf8'));
}

const NO_KEYS: Uint8Array[] = [];
const LITERALS = keys('true', 'false', 'null');

function grow<T extends Int32Array | Float64Array>(values: T, make: (length: number) => T): T {
  const larger = make(2 * values.length + 16);
  larger.set(values);
  return larger;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Bytes of the escape at `at` (a backslash): 2, or 6 for \uXXXX; 0 when malformed. */
function escapeLength(bytes: Buffer, at: number): number {
  const c = bytes[at + 1];
  if (c === undefined) return 2; // The end of the file: stringEnd reports it.
  // " \ / b f n r t
  if (c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e) return 2;
  if (c === 0x72 || c === 0x74) return 2;
  if (c !== 0x75) return 0;
  for (let i = at + 2; i < at + 6; i++) {
    const h = bytes[i];
    if (h === undefined) return 6;
    const hex = (h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66);
    if (!hex) return 0;
  }
  return 6;
}

function matchKey(bytes: Buffer, start: number, end: number, known: readonly Uint8Array[]): number {
  const length = end - start;
  for (let k = 0; k < known.length; k++) {
    const key = known[k]!;
    if (key.length === length && matchBytes(bytes, start, key)) return k;
  }
  return -1;
}

function matchBytes(bytes: Buffer, at: number, expected: Uint8Array): boolean {
  if (at + expected.length > bytes.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[at + i] !== expected[i]) return false;
  return true;
}
