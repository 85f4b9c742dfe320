import { open, readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { ConfigError } from '../../errors.js';
import { PROFILE_FIELD, profileError, type CallTree } from '../call-tree.js';
import { parseCpuProfileTree } from './cpuprofile.js';
import { looksFolded, parseFolded } from './folded.js';
import { heapProfileToTree } from './heapprofile.js';
import { isGzip, parsePprof } from './pprof.js';
import { speedscopeToTree } from './speedscope.js';

const KNOWN =
  'a pprof profile (protobuf, gzipped or not), a V8 .cpuprofile or .heapprofile, ' +
  'a speedscope JSON file, or folded stacks ("frame;frame;frame 123" lines)';

/** How much of a file tells its format. */
const SNIFF_BYTES = 64 * 1024;

/** Reads a profile file of any supported format, told by its content, never its name. */
export async function readProfile(file: string): Promise<CallTree> {
  const cannotRead = (error: unknown) =>
    new ConfigError(`cannot read profile ${file}: ${(error as Error).message}`, PROFILE_FIELD);
  let head: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw cannotRead(error);
  }
  // A V8 .cpuprofile is read from its bytes, never as one string (see parseCpuProfile); other
  // text profiles are small enough for JSON.parse or a line split.
  const binary = isGzip(head) || looksBinary(head);
  if (binary || isV8CpuProfile(head)) {
    const bytes = await readFile(file).catch((error: unknown) => {
      throw cannotRead(error);
    });
    return parseProfile(bytes, file);
  }
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw cannotRead(error);
  });
  return parseTextProfile(text, file);
}

/**
 * Reads a profile from memory, `source` naming it in messages and in the tree. Gzip is
 * undone first, whatever it holds; binary content is pprof; JSON is told by its fields; other
 * text must be folded stacks.
 */
export function parseProfile(bytes: Uint8Array, source: string): CallTree {
  if (isGzip(bytes)) {
    let inflated: Buffer;
    try {
      inflated = gunzipSync(bytes);
    } catch (error) {
      throw profileError(
        source,
        'a pprof profile',
        `its gzip data does not decompress (${(error as Error).message})`,
      );
    }
    return parseProfile(inflated, source);
  }
  const start = firstContentByte(bytes);
  if (start === -1) {
    throw new ConfigError(`${source} is empty: expected ${KNOWN}`, PROFILE_FIELD);
  }
  if (looksBinary(bytes)) return parsePprof(bytes, source);
  if (isV8CpuProfile(bytes)) return parseCpuProfileTree(bytes, source);
  return parseTextProfile(
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
    source,
  );
}

/** V8 writes `nodes` first: such a file goes straight to the .cpuprofile reader. */
function isV8CpuProfile(bytes: Uint8Array): boolean {
  const start = firstContentByte(bytes);
  if (start === -1) return false;
  const head = Buffer.from(
    bytes.buffer,
    bytes.byteOffset + start,
    Math.min(64, bytes.length - start),
  );
  return /^\{\s*"nodes"\s*:/.test(head.toString('latin1'));
}

/** A text profile: JSON told by its fields, else folded stacks. */
function parseTextProfile(text: string, source: string): CallTree {
  const start = text.search(/[^\s\uFEFF]/);
  if (start === -1) throw new ConfigError(`${source} is empty: expected ${KNOWN}`, PROFILE_FIELD);
  const first = text[start];
  if (first === '{' || first === '[') return parseJsonProfile(text.replace(/^\uFEFF/, ''), source);
  if (firstLines(text, 20).some(looksFolded)) return parseFolded(text, source);
  throw new ConfigError(
    `${source} is not a profile perf-flow reads: expected ${KNOWN}`,
    PROFILE_FIELD,
  );
}

/** JSON told by its fields. */
function parseJsonProfile(text: string, source: string): CallTree {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw profileError(source, 'valid JSON', (error as Error).message);
  }
  if (isObject(json)) {
    // Its fields in another order than V8's: read again, by the one .cpuprofile reader.
    if ('nodes' in json && 'startTime' in json) return parseCpuProfileTree(text, source);
    const head = json.head;
    if (isObject(head) && ('selfSize' in head || 'children' in head)) {
      return heapProfileToTree(json, source);
    }
    const schema = json.$schema;
    const shared = json.shared;
    if (
      (typeof schema === 'string' && schema.includes('speedscope')) ||
      (isObject(shared) && Array.isArray(shared.frames))
    ) {
      return speedscopeToTree(json, source);
    }
  }
  throw profileError(
    source,
    'a JSON profile perf-flow reads',
    'expected a V8 .cpuprofile (nodes, startTime), a V8 .heapprofile (head.selfSize, head.children) ' +
      'or speedscope ($schema, shared.frames)',
  );
}

/** Index of the first byte that is not whitespace or a UTF-8 byte order mark; -1 if none. */
function firstContentByte(bytes: Uint8Array): number {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  for (; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return i;
  }
  return -1;
}

/**
 * Text profiles hold no control characters but tab, newline and carriage return; a protobuf
 * does within its first bytes (tags and lengths are small numbers).
 */
function looksBinary(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, 1024);
  for (let i = 0; i < end; i++) {
    const b = bytes[i]!;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return true;
    if (b === 0x7f) return true;
  }
  return false;
}

function firstLines(text: string, count: number): string[] {
  const lines: string[] = [];
  for (let start = 0; start < text.length && lines.length < count;) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    if (line.trim() !== '') lines.push(line);
    start = end + 1;
  }
  return lines;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
