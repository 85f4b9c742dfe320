import { closeSync, openSync, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export interface LogCaptureOptions {
  /** Lines kept in memory for error messages. */
  maxLines?: number;
  /** Longer lines are cut in memory (the file keeps them whole). */
  maxLineChars?: number;
  /** Written to the file only, to tell one run from the next in an appended log. */
  header?: string;
  onLine?: (line: string) => void;
}

export interface LogCapture {
  readonly path: string;
  /** Feeds a stream (a child's stdout or stderr) into the log until it ends. */
  attach(stream: Readable): void;
  /** The last n lines, including a line still waiting for its newline. */
  tail(n?: number): string[];
  /** Resolves once every attached stream has ended, or after timeoutMs. */
  drained(timeoutMs: number): Promise<void>;
  close(): void;
}

interface StreamState {
  decoder: StringDecoder;
  partial: string;
  /** Characters of the current partial line dropped past maxLineChars. */
  dropped: number;
  ended: boolean;
}

export function createLogCapture(path: string, options: LogCaptureOptions = {}): LogCapture {
  const maxLines = options.maxLines ?? 50;
  const maxLineChars = options.maxLineChars ?? 2000;
  // Synchronous appends: the file is complete at any moment, also when perf-flow exits abruptly.
  let fd: number | null = openSync(path, 'a');
  if (options.header !== undefined) writeSync(fd, `${options.header}\n`);

  const ring: string[] = [];
  const streams: StreamState[] = [];
  const drainWaiters = new Set<() => void>();

  const pushLine = (text: string, dropped: number): void => {
    let line = text.endsWith('\r') ? text.slice(0, -1) : text;
    let cut = dropped;
    if (line.length > maxLineChars) {
      cut += line.length - maxLineChars;
      line = line.slice(0, maxLineChars);
    }
    if (cut > 0) line += ` … (${cut} more characters)`;
    ring.push(line);
    if (ring.length > maxLines) ring.shift();
    options.onLine?.(line);
  };

  const feed = (state: StreamState, text: string): void => {
    const pieces = text.split('\n');
    const last = pieces.pop() ?? '';
    for (const piece of pieces) {
      pushLine(state.partial + piece, state.dropped);
      state.partial = '';
      state.dropped = 0;
    }
    state.partial += last;
    // A line without a newline can grow without bound (a progress bar, a binary dump).
    if (state.partial.length > maxLineChars + 1) {
      state.dropped += state.partial.length - (maxLineChars + 1);
      state.partial = state.partial.slice(0, maxLineChars + 1);
    }
  };

  const finish = (state: StreamState): void => {
    if (state.ended) return;
    state.ended = true;
    feed(state, state.decoder.end());
    if (state.partial !== '') pushLine(state.partial, state.dropped);
    state.partial = '';
    if (streams.every((s) => s.ended)) {
      for (const wake of drainWaiters) wake();
      drainWaiters.clear();
    }
  };

  return {
    path,
    attach(stream) {
      const state: StreamState = {
        decoder: new StringDecoder('utf8'),
        partial: '',
        dropped: 0,
        ended: false,
      };
      streams.push(state);
      stream.on('data', (chunk: Buffer | string) => {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (fd !== null) writeSync(fd, bytes);
        feed(state, state.decoder.write(bytes));
      });
      stream.once('end', () => finish(state));
      stream.once('close', () => finish(state));
      stream.once('error', () => finish(state));
    },
    tail(n = maxLines) {
      const pending = streams
        .filter((s) => s.partial !== '')
        .map((s) => s.partial.slice(0, maxLineChars));
      const lines = [...ring, ...pending];
      return n <= 0 ? [] : lines.slice(-n);
    },
    drained(timeoutMs) {
      if (streams.every((s) => s.ended)) return Promise.resolve();
      return new Promise((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          drainWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, timeoutMs);
        drainWaiters.add(wake);
      });
    },
    close() {
      if (fd === null) return;
      closeSync(fd);
      fd = null;
    },
  };
}
