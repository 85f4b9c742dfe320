import type Anthropic from '@anthropic-ai/sdk';
import { ClaudeAnswer, TOOL_NAME } from './answer-schema.js';

export type ReadAnswer = { ok: true; answer: ClaudeAnswer } | { ok: false; reason: string };

/**
 * Claude's answer out of its message: the forced tool call's input, or (a model that wrote
 * its JSON as text instead) the text parsed as JSON. Either way it must match the schema.
 */
export function readAnswer(message: Anthropic.Message): ReadAnswer {
  // The SDK hands a body that is not declared as JSON over as text.
  if (typeof message === 'string')
    return { ok: false, reason: "Claude's answer was not valid JSON" };
  if (typeof message !== 'object' || message === null || !Array.isArray(message.content)) {
    return { ok: false, reason: "Claude's answer was not a Messages API message (no content)" };
  }
  if (message.stop_reason === 'refusal') {
    return { ok: false, reason: 'Claude declined to answer (stop reason: refusal)' };
  }
  if (message.stop_reason === 'max_tokens') {
    return { ok: false, reason: "Claude's answer was cut off at the token limit" };
  }
  const call = message.content.find(
    (block): block is Anthropic.ToolUseBlock =>
      block.type === 'tool_use' && block.name === TOOL_NAME,
  );
  let input: unknown;
  if (call !== undefined) {
    input = call.input;
  } else {
    const text = message.content
      .flatMap((block) => (block.type === 'text' ? [block.text] : []))
      .join('\n')
      .trim();
    if (text === '') {
      return { ok: false, reason: `Claude's answer held no ${TOOL_NAME} call and no text` };
    }
    try {
      input = JSON.parse(withoutFence(text));
    } catch {
      return { ok: false, reason: "Claude's answer was not valid JSON" };
    }
  }
  const parsed = ClaudeAnswer.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      reason: `Claude's answer did not match the plan's schema (${describeIssues(parsed.error.issues)})`,
    };
  }
  return { ok: true, answer: parsed.data };
}

/** ```json ... ``` around the JSON, as models sometimes write it. */
function withoutFence(text: string): string {
  const fenced = /^```[a-z]*\n([\s\S]*?)\n?```$/i.exec(text);
  return fenced ? fenced[1]! : text;
}

function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
