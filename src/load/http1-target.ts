import net from 'node:net';
import tls from 'node:tls';
import type { JourneyConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';

/** Where the load goes, and each journey's request serialised once. */
export interface Http1Target {
  host: string;
  port: number;
  secure: boolean;
  /** For messages: the origin and base path. */
  url: string;
  /** Each journey's request, as sent for every request of the journey. */
  requests: Buffer[];
  /** Whether each journey is a HEAD request (its response has no body). */
  heads: boolean[];
}

/** The target of `journeys` on `baseUrl`; a base path (http://host/api) prefixes each path. */
export function http1Target(baseUrl: string, journeys: readonly JourneyConfig[]): Http1Target {
  const base = new URL(baseUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new ConfigError(`expected an http: or https: URL, got "${baseUrl}"`, 'target');
  }
  const secure = base.protocol === 'https:';
  const prefix = base.pathname.replace(/\/+$/, '');
  // URL keeps IPv6 hosts in brackets; the socket wants them bare.
  const host = base.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port: base.port === '' ? (secure ? 443 : 80) : Number(base.port),
    secure,
    url: base.origin + prefix,
    requests: journeys.map((j) => serialiseRequest(j, prefix, base.host)),
    heads: journeys.map((j) => j.method.toUpperCase() === 'HEAD'),
  };
}

/**
 * Where plain connections read into. A 'data' event costs a new Buffer per read, whose
 * off-heap memory the garbage collector is told about: at 1,000 req/s that set off a
 * scavenge every 300 ms, each a millisecond or two added to whichever request was in flight.
 * One buffer serves every socket: libuv reads one socket at a time and `onChunk` consumes
 * the bytes before returning (the reader copies a partial head it must keep).
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * A new keep-alive connection to the target; 'connect' (or 'secureConnect') when ready.
 * `onChunk` gets each read's bytes, valid only until it returns.
 */
export function connectTo(
  target: Http1Target,
  onChunk: (chunk: Buffer) => void,
): { socket: net.Socket; readyEvent: string } {
  let socket: net.Socket;
  if (target.secure) {
    socket = tls.connect({
      host: target.host,
      port: target.port,
      ALPNProtocols: ['http/1.1'],
      ...(net.isIP(target.host) === 0 ? { servername: target.host } : {}),
    });
    socket.on('data', onChunk);
  } else {
    socket = net.connect({
      host: target.host,
      port: target.port,
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes: number, buffer: Uint8Array) => {
          onChunk(Buffer.from(buffer.buffer, buffer.byteOffset, bytes));
          // false would pause the socket: reads go on.
          return true;
        },
      },
    });
  }
  socket.setNoDelay(true);
  return { socket, readyEvent: target.secure ? 'secureConnect' : 'connect' };
}

/** The request's bytes, sent as they are for every request of the journey. */
function serialiseRequest(journey: JourneyConfig, prefix: string, host: string): Buffer {
  const headers = Object.entries(journey.headers ?? {});
  const has = (name: string) => headers.some(([key]) => key.toLowerCase() === name);
  const lines = [`${journey.method} ${prefix}${journey.path} HTTP/1.1`];
  if (!has('host')) lines.push(`Host: ${host}`);
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  const body = journey.body === undefined ? undefined : Buffer.from(journey.body);
  const method = journey.method.toUpperCase();
  // A body always has its length; POST, PUT and PATCH say 0 without one (RFC 9110 8.6).
  if (body !== undefined || method === 'POST' || method === 'PUT' || method === 'PATCH') {
    lines.push(`Content-Length: ${body?.length ?? 0}`);
  }
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  return body === undefined ? head : Buffer.concat([head, body]);
}
