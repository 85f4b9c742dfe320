import { parseDuration } from '../config/units.js';
import { ConfigError } from '../errors.js';
import {
  DEFAULT_MAX_RETRIES,
  DEFAULT_MODEL,
  DEFAULT_TIMEOUT,
  type ClaudeOptions,
} from '../plan/claude/options.js';
import type { InputReader, InputSpec } from './inputs.js';

/** The optimization plan's Claude inputs: the plan's own action and the whole flow's. */
export const CLAUDE_INPUTS = {
  'anthropic-api-key': {
    description:
      'Anthropic API key, from a secret (secrets.ANTHROPIC_API_KEY). With it Claude refines the optimization plan: its items must cite the findings and stay within their bounds, and any failure falls back to the rule-based plan. Without it the plan is rule-based and nothing is sent. Masked, never stored.',
  },
  model: {
    description:
      'The Claude model that refines the optimization plan (with anthropic-api-key): a model id the Messages API accepts.',
    default: DEFAULT_MODEL,
  },
  'anthropic-timeout': {
    description:
      'How long the call to Claude may take, retries included, before the rule-based plan is shown instead (at most 8m), e.g. "3m".',
    default: DEFAULT_TIMEOUT,
  },
} satisfies Record<string, InputSpec>;

// A model id as the API names them: "claude-sonnet-4-5", "claude-3-5-haiku-20241022".
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;
// What an HTTP header can carry: printable ASCII, no spaces.
const KEY = /^[\x21-\x7e]+$/;
// Under the reusable workflow's 10-minute job limit: a fallback needs time to be written.
const TIMEOUT_MS = { min: 1_000, max: 8 * 60_000 };

/** Claude's options when a key is given; none without one, so nothing goes out. */
export function readClaudeInputs(read: InputReader): { claude?: ClaudeOptions } {
  const apiKey = read('anthropic-api-key').trim();
  const model = read('model').trim() || DEFAULT_MODEL;
  const timeout = read('anthropic-timeout').trim() || DEFAULT_TIMEOUT;
  if (!MODEL_ID.test(model)) {
    throw new ConfigError(
      `expected a Claude model id such as "${DEFAULT_MODEL}", got "${model}"`,
      'model',
    );
  }
  const timeoutMs = parseDuration(timeout, 'anthropic-timeout');
  if (timeoutMs < TIMEOUT_MS.min || timeoutMs > TIMEOUT_MS.max) {
    throw new ConfigError(
      `expected a duration from 1s to 8m, got "${timeout}"`,
      'anthropic-timeout',
    );
  }
  if (apiKey === '') return {};
  if (!KEY.test(apiKey)) {
    // The message must not quote the key: it goes to the log.
    throw new ConfigError(
      'expected a key of printable characters without spaces or line breaks (the value is not shown)',
      'anthropic-api-key',
    );
  }
  return { claude: { apiKey, model, timeoutMs, maxRetries: DEFAULT_MAX_RETRIES } };
}
