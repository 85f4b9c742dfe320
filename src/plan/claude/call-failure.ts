import Anthropic from '@anthropic-ai/sdk';
import type { ClaudeOptions } from './options.js';
import { redact } from './redact.js';

// The API's own explanation is worth showing (a wrong model name says so), but not at any length.
const MAX_DETAIL = 200;

/** Why the call to Claude gave no answer, in words that say what to do about it. */
export function describeCallFailure(error: unknown, options: ClaudeOptions): string {
  // The deadline covers the SDK's retries too: past it, the request is aborted.
  if (
    error instanceof Anthropic.APIConnectionTimeoutError ||
    error instanceof Anthropic.APIUserAbortError
  ) {
    return `Claude did not answer within ${options.timeoutMs / 1000} s (anthropic-timeout), retries included`;
  }
  if (error instanceof Anthropic.APIConnectionError) {
    return `Claude could not be reached (${causeOf(error)})`;
  }
  if (error instanceof Anthropic.APIError) return describeStatus(error, options);
  // The SDK parses the body itself: a body that is not JSON surfaces as a SyntaxError.
  if (error instanceof SyntaxError) return "Claude's answer was not valid JSON";
  return `the request to Claude failed (${error instanceof Error ? error.message : String(error)})`;
}

function describeStatus(error: InstanceType<typeof Anthropic.APIError>, options: ClaudeOptions) {
  const status = error.status;
  const detail = apiMessage(error, options);
  const said = detail === null ? '' : `: ${detail}`;
  if (status === 429) return `Claude's rate limit was reached (429)${said}`;
  if (status === 529) return `Claude is overloaded (529)${said}`;
  if (status === 401) return `Claude refused the API key (401): check anthropic-api-key${said}`;
  if (status === 403) return `the API key may not use Claude this way (403)${said}`;
  if (status === 404) return `Claude has no model "${options.model}" (404): check model${said}`;
  if (status !== undefined && status >= 500)
    return `Claude failed with a server error (${status})${said}`;
  return `Claude refused the request (${status ?? 'no status'})${said}`;
}

/** The message of the API's error body ({type: "error", error: {type, message}}). */
function apiMessage(
  error: InstanceType<typeof Anthropic.APIError>,
  options: ClaudeOptions,
): string | null {
  const message: unknown = error.apiMessage;
  // Redacted before it is cut: a key quoted across the cut would leave a piece no mask matches.
  return typeof message === 'string' && message !== ''
    ? redact(message, options.apiKey).slice(0, MAX_DETAIL)
    : null;
}

function causeOf(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  const code = (cause as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (typeof code === 'string') return code;
  return cause instanceof Error ? cause.message : error.message;
}
