import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server speaking the Anthropic Messages API (POST /v1/messages) the way the real one
 * answers: Message objects with tool_use or text content blocks, and error bodies
 * {type: "error", error: {type, message}} with their status codes. It records every request
 * so a test can check what the SDK sent.
 */

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body. */
  body: MessagesRequest;
}

/** The part of a Messages request the tests look at. */
export interface MessagesRequest {
  model: string;
  max_tokens: number;
  system?: string;
  messages: { role: string; content: string }[];
  tools?: { name: string; description?: string; input_schema: Record<string, unknown> }[];
  tool_choice?: { type: string; name?: string };
}

export type Answer =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; raw: string; contentType: string };

/** 'hang' reads the request and never answers: the client's timeout must end the call. */
export type Reply = Answer | 'hang';

export interface FakeAnthropic {
  baseURL: string;
  requests: ReceivedRequest[];
  /** The replies, in order; the last one repeats. */
  replyWith(...replies: Reply[]): void;
  close(): Promise<void>;
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const requests: ReceivedRequest[] = [];
  let replies: Reply[] = [apiError(500, 'api_error', 'no reply configured')];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/messages') {
        send(res, apiError(404, 'not_found_error', `no route ${req.method} ${req.url}`));
        return;
      }
      requests.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: JSON.parse(text) as MessagesRequest,
      });
      const reply = replies[Math.min(requests.length - 1, replies.length - 1)]!;
      if (reply !== 'hang') send(res, reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    requests,
    replyWith: (...next) => {
      replies = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        // A hanging request holds its socket open: close it, or close() never returns.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, reply: Answer) {
  if ('raw' in reply) {
    res.writeHead(reply.status, { 'content-type': reply.contentType });
    res.end(reply.raw);
    return;
  }
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'request-id': 'req_011CTestRequest',
    ...reply.headers,
  });
  res.end(JSON.stringify(reply.json));
}

let counter = 0;

function usage(outputTokens: number) {
  return {
    input_tokens: 2048,
    output_tokens: outputTokens,
    cache_creation: null,
    cache_creation_input_tokens: null,
    cache_read_input_tokens: null,
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: null,
    service_tier: 'standard',
    speed: 'standard',
  };
}

/** A 200 answer holding one Message, as the API frames it; `content` gets its number. */
function message(
  model: string,
  content: (n: number) => unknown[],
  stopReason: 'tool_use' | 'end_turn',
  outputTokens: number,
): Answer {
  counter++;
  return {
    status: 200,
    json: {
      id: `msg_01Test${counter}`,
      type: 'message',
      role: 'assistant',
      model,
      content: content(counter),
      container: null,
      diagnostics: null,
      stop_reason: stopReason,
      stop_details: null,
      stop_sequence: null,
      usage: usage(outputTokens),
    },
  };
}

/** A Message whose one content block calls `name` with `input` (stop_reason tool_use). */
export function toolUseAnswer(
  input: unknown,
  options: { model?: string; name?: string } = {},
): Answer {
  const block = (n: number) => ({
    type: 'tool_use',
    id: `toolu_01Test${n}`,
    name: options.name ?? 'submit_refined_plan',
    input,
    caller: { type: 'direct' },
  });
  return message(options.model ?? 'claude-test-model-20261101', (n) => [block(n)], 'tool_use', 512);
}

/** A Message holding text only (stop_reason end_turn). */
export function textAnswer(text: string, model = 'claude-test-model-20261101'): Answer {
  return message(model, () => [{ type: 'text', text, citations: null }], 'end_turn', 64);
}

/** An error as the API sends it, e.g. apiError(529, 'overloaded_error', 'Overloaded'). */
export function apiError(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): Answer {
  return {
    status,
    json: { type: 'error', error: { type, message }, request_id: 'req_011CTestRequest' },
    headers,
  };
}
