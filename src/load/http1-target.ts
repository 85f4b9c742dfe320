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

/** A new keep-alive connection to the target; 'connect' (or 'secureConnect') when ready. */
export function connectTo(target: Http1Target): { socket: net.Socket; readyEvent: string } {
  const socket = target.secure
    ? tls.connect({
        host: target.host,
        port: target.port,
        ALPNProtocols: ['http/1.1'],
        ...(net.isIP(target.host) === 0 ? { servername: target.host } : {}),
      })
    : net.connect({ host: target.host, port: target.port });
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
