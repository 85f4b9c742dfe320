import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Http1ProtocolError, Http1ResponseReader } from './http1-response.js';
import type { Http1Target } from './http1-target.js';
import { connectTo } from './http1-target.js';

/** One request through the pool, and where its outcome goes. */
export interface PoolRequest {
  journey: number;
  /** Set by the caller once the outcome is decided elsewhere (a timeout): never written then. */
  settled: boolean;
  onResponse(status: number): void;
  onError(error: Error): void;
}

/** A request the pool gave up waiting for on its connection (which is then closed). */
export class PoolRequestTimeout extends Error {
  readonly code = 'PERF_FLOW_REQUEST_TIMEOUT';
  constructor(ms: number) {
    super(`no complete response within ${ms}ms of the request being written`);
    this.name = 'PoolRequestTimeout';
  }
}

/** The server closed or reset the connection before the response was complete. */
export class ConnectionLost extends Error {
  readonly code: string;
  constructor(cause: Error | undefined) {
    super(cause ? cause.message : 'the connection closed before the response was complete');
    this.name = 'ConnectionLost';
    this.code = (cause as { code?: string } | undefined)?.code ?? 'PERF_FLOW_CONNECTION_LOST';
  }
}

interface PooledConnection {
  socket: net.Socket;
  reader: Http1ResponseReader;
  connected: boolean;
  /** The request written on it and not yet answered. */
  current: PoolRequest | undefined;
  writtenAt: number;
  lastError: Error | undefined;
}

// A failed connect is retried after this while requests wait: a dead port refuses in
// microseconds, and retrying at once would spin a core for nothing.
const RECONNECT_DELAY_MS = 10;

/**
 * Keep-alive HTTP/1.1 connections to one target, at most `maxConnections`, one request on
 * each at a time; a request that finds none free waits in order for the next (the wait is
 * the caller's to time). Connections open on demand. Requests are written as serialised in
 * the target and their responses framed by Http1ResponseReader: one write and one read per
 * request, nothing parsed that a load generator does not need.
 *
 * A request settled by the caller while it waits is dropped without being written; one
 * already written stays on its connection until its response comes or `sweep` finds it older
 * than `requestTimeoutMs` (the connection is then closed: HTTP/1.1 cannot cancel a request).
 */
export class Http1Pool {
  private readonly idle: PooledConnection[] = [];
  private readonly all = new Set<PooledConnection>();
  private readonly waiting: PoolRequest[] = [];
  private waitingHead = 0;
  private opening = 0;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly target: Http1Target,
    private readonly maxConnections: number,
    private readonly requestTimeoutMs: number,
  ) {}

  send(request: PoolRequest): void {
    if (this.closed) return;
    const conn = this.idle.pop();
    if (conn !== undefined) {
      this.write(conn, request);
      return;
    }
    this.waiting.push(request);
    this.openIfNeeded();
  }

  /** Closes connections whose request is past the timeout; call it every few milliseconds. */
  sweep(now = performance.now()): void {
    for (const conn of this.all) {
      if (conn.current === undefined || now - conn.writtenAt < this.requestTimeoutMs) continue;
      const request = conn.current;
      conn.current = undefined;
      this.forget(conn);
      request.onError(new PoolRequestTimeout(this.requestTimeoutMs));
    }
    this.openIfNeeded();
  }

  /** Closes every connection; nothing waiting is written, and no callback comes after. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const conn of this.all) conn.socket.destroy();
    this.all.clear();
    this.idle.length = 0;
    this.waiting.length = 0;
    this.waitingHead = 0;
  }

  private openIfNeeded(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    while (this.pendingCount() > this.opening && this.all.size < this.maxConnections) {
      this.open();
    }
  }

  private pendingCount(): number {
    return this.waiting.length - this.waitingHead;
  }

  private open(): void {
    const { socket, readyEvent } = connectTo(this.target, (chunk) => this.onData(conn, chunk));
    const conn: PooledConnection = {
      socket,
      reader: new Http1ResponseReader(),
      connected: false,
      current: undefined,
      writtenAt: 0,
      lastError: undefined,
    };
    this.all.add(conn);
    this.opening += 1;
    socket.once(readyEvent, () => {
      this.opening -= 1;
      conn.connected = true;
      this.release(conn);
    });
    socket.on('error', (error) => {
      conn.lastError = error;
    });
    socket.on('close', () => this.onClose(conn));
  }

  /** The next waiting request that is still wanted, if any. */
  private nextWaiting(): PoolRequest | undefined {
    while (this.waitingHead < this.waiting.length) {
      const request = this.waiting[this.waitingHead] as PoolRequest;
      this.waitingHead += 1;
      if (!request.settled) {
        this.compactWaiting();
        return request;
      }
    }
    this.compactWaiting();
    return undefined;
  }

  private compactWaiting(): void {
    if (this.waitingHead === this.waiting.length) {
      this.waiting.length = 0;
      this.waitingHead = 0;
    } else if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting.splice(0, this.waitingHead);
      this.waitingHead = 0;
    }
  }

  /** A connection free for work: the next waiting request, or the idle list. */
  private release(conn: PooledConnection): void {
    if (this.closed) return;
    const request = this.nextWaiting();
    if (request === undefined) this.idle.push(conn);
    else this.write(conn, request);
  }

  private write(conn: PooledConnection, request: PoolRequest): void {
    conn.current = request;
    conn.reader.expect(this.target.heads[request.journey] === true);
    conn.writtenAt = performance.now();
    conn.socket.write(this.target.requests[request.journey] as Buffer);
  }

  private onData(conn: PooledConnection, chunk: Buffer): void {
    if (!this.all.has(conn)) return;
    let response;
    try {
      response = conn.reader.feed(chunk);
    } catch (error) {
      if (!(error instanceof Http1ProtocolError)) throw error;
      const request = conn.current;
      conn.current = undefined;
      this.forget(conn);
      request?.onError(error);
      this.openIfNeeded();
      return;
    }
    if (response === undefined) return;
    const request = conn.current;
    conn.current = undefined;
    if (response.keepAlive) {
      request?.onResponse(response.status);
      this.release(conn);
    } else {
      this.forget(conn);
      request?.onResponse(response.status);
      this.openIfNeeded();
    }
  }

  private onClose(conn: PooledConnection): void {
    if (!this.all.has(conn)) return;
    const wasConnected = conn.connected;
    if (!wasConnected) this.opening -= 1;
    this.forget(conn);
    const request = conn.current;
    conn.current = undefined;
    if (request !== undefined) {
      let response;
      try {
        response = conn.reader.end();
      } catch {
        request.onError(new ConnectionLost(conn.lastError));
      }
      if (response !== undefined) request.onResponse(response.status);
    } else if (!wasConnected) {
      // The connect failed: the request it was opened for fails with it.
      const waiting = this.nextWaiting();
      waiting?.onError(conn.lastError ?? new ConnectionLost(undefined));
      if (this.pendingCount() > 0 && !this.closed) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.openIfNeeded();
        }, RECONNECT_DELAY_MS);
        return;
      }
    }
    this.openIfNeeded();
  }

  /** Takes `conn` out of the pool and closes it; its close event is then ignored. */
  private forget(conn: PooledConnection): void {
    this.all.delete(conn);
    const at = this.idle.indexOf(conn);
    if (at >= 0) this.idle.splice(at, 1);
    conn.socket.destroy();
  }
}
