import type autocannon from 'autocannon';
import type { EventEmitter } from 'node:events';

/** The parts of autocannon 9's lib/httpClient.js Client this module relies on. */
interface ClientInternals {
  _connect: () => void;
  pipelinedRequests: { size(): number; clear(): void };
}

export interface ConnectionLossHandlers {
  /**
   * Requests lost to a connection the server closed without answering them and without
   * announcing it; autocannon reports nothing for these.
   */
  onLost: (count: number) => void;
  /**
   * A connection error that autocannon itself caused by writing its next request into a
   * connection whose last response announced the close (`Connection: close`, HTTP/1.0).
   * Called just before autocannon reports that error as a `reqError`, which should then be
   * ignored: the service did what it said it would.
   */
  onAnnouncedCloseError: () => void;
}

/**
 * autocannon 9 reconnects after a connection error or a close by the server
 * (lib/httpClient.js:138-150) without dropping the requests still pending on the old
 * connection. They stay at the head of the client's FIFO (lib/pipelinedRequestsQueue.js), so
 * every later response on that client is timed from an older request's start: measured
 * against a 5 ms service that resets every other request, p50 read 262 ms. And a request the
 * server closed the connection on without answering is never counted at all: availability
 * looks perfect while half the requests are lost.
 *
 * Installed from `setupClient`, this drops the pending requests at each reconnect and tells
 * which of them were really lost. After a response that announced the close, autocannon has
 * already written its next request into the closing connection (lib/httpClient.js:100):
 * that one is autocannon's loss, not the service's, and is dropped without a word.
 * Returns false, and leaves the client alone, when it lacks the internals expected.
 */
export function watchConnectionLoss(
  client: autocannon.Client,
  handlers: ConnectionLossHandlers,
): boolean {
  const internals = client as unknown as Partial<ClientInternals>;
  const connect = internals._connect;
  if (typeof connect !== 'function' || !isQueue(internals.pipelinedRequests)) return false;
  const events = client as unknown as EventEmitter;
  let announcing = false;
  let closeAnnounced = false;
  let errorReported = false;
  events.on('headers', (info: { shouldKeepAlive?: unknown } | undefined) => {
    announcing = info?.shouldKeepAlive === false;
  });
  // Only a response that arrived whole has announced anything: one cut off mid-body failed.
  events.on('response', () => {
    closeAnnounced = announcing;
  });
  // These listeners come before autocannon's own (setupClient runs in the constructor), and
  // the socket's 'error' handler emits connError and then calls _connect, all in one tick.
  events.on('connError', () => {
    errorReported = true;
    if (closeAnnounced) handlers.onAnnouncedCloseError();
  });
  internals._connect = () => {
    const queue = internals.pipelinedRequests;
    const pending = isQueue(queue) ? queue.size() : 0;
    if (isQueue(queue) && pending > 0) {
      queue.clear();
      // autocannon reported a connection error as one request failed.
      const lost = closeAnnounced ? 0 : errorReported ? pending - 1 : pending;
      if (lost > 0) handlers.onLost(lost);
    }
    announcing = false;
    closeAnnounced = false;
    errorReported = false;
    connect.call(client);
  };
  return true;
}

function isQueue(queue: unknown): queue is ClientInternals['pipelinedRequests'] {
  if (typeof queue !== 'object' || queue === null) return false;
  const candidate = queue as Partial<ClientInternals['pipelinedRequests']>;
  return typeof candidate.size === 'function' && typeof candidate.clear === 'function';
}
