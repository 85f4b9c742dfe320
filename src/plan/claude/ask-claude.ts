import Anthropic from '@anthropic-ai/sdk';
import { answerJsonSchema, TOOL_NAME, type ClaudeAnswer } from './answer-schema.js';
import { describeCallFailure } from './call-failure.js';
import type { ClaudeOptions } from './options.js';
import { readAnswer } from './read-answer.js';

export type ClaudeReply =
  { ok: true; answer: ClaudeAnswer; model: string } | { ok: false; reason: string };

// Twenty items of a few hundred words each fit with room to spare.
const MAX_TOKENS = 16_000;

/** One Messages API call with the answer forced through the tool's schema. Never throws. */
export async function askClaude(
  prompt: { system: string; user: string },
  options: ClaudeOptions,
): Promise<ClaudeReply> {
  const client = new Anthropic({
    // A key passed in code is the client's only credential: the SDK then reads none from the
    // environment (ANTHROPIC_AUTH_TOKEN, a profile) to send beside it.
    apiKey: options.apiKey,
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
    // The SDK's own logging (ANTHROPIC_LOG) would print requests outside our redaction.
    logLevel: 'off',
  });
  let message: Anthropic.Message;
  try {
    message = await client.messages.create(
      {
        model: options.model,
        max_tokens: MAX_TOKENS,
        system: prompt.system,
        messages: [{ role: 'user', content: prompt.user }],
        tools: [
          {
            name: TOOL_NAME,
            description:
              'Submit the refined plan items: those changed from the rule-based plan and those added.',
            input_schema: answerJsonSchema(),
          },
        ],
        tool_choice: { type: 'tool', name: TOOL_NAME },
      },
      // One deadline for the whole call: the SDK's timeout is per attempt, and it retries.
      { signal: AbortSignal.timeout(options.timeoutMs) },
    );
  } catch (error) {
    return { ok: false, reason: describeCallFailure(error, options) };
  }
  const read = readAnswer(message);
  if (!read.ok) return read;
  // The model that answered, as the API names it (a dated id for an alias).
  const model =
    typeof message.model === 'string' && message.model !== '' ? message.model : options.model;
  return { ok: true, answer: read.answer, model };
}
