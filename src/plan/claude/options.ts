/** How to reach Claude; present only when an API key was given. */
export interface ClaudeOptions {
  /** Sent in the request's authorization header and nowhere else: never logged or stored. */
  apiKey: string;
  model: string;
  /** For the whole call, retries included: a call that outlasts it falls back to the rules. */
  timeoutMs: number;
  /** The SDK retries 408, 409, 429, 5xx and connection errors this many times, with backoff. */
  maxRetries: number;
  /** Unset: ANTHROPIC_BASE_URL, else the public API (the SDK's own order). Tests set it. */
  baseURL?: string;
}

export const DEFAULT_MODEL = 'claude-sonnet-5-5';
// A plan of a dozen items is a few thousand tokens: a minute or two of generation.
export const DEFAULT_TIMEOUT = '3m';
export const DEFAULT_MAX_RETRIES = 2;
