import { describe, expect, it } from 'vitest';
import { readClaudeInputs } from '../../src/actions/claude-inputs.js';
import { readInputs as readPlanInputs } from '../../src/actions/optimization-plan/inputs.js';
import { readInputs as readRunInputs } from '../../src/actions/run/inputs.js';
import { DEFAULT_MODEL } from '../../src/plan/claude/options.js';

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';
const KEY = 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789';

describe('Claude inputs', () => {
  it('gives no Claude options without a key, so nothing is sent', () => {
    expect(readClaudeInputs(reader({}))).toEqual({});
    expect(readClaudeInputs(reader({ 'anthropic-api-key': '  ', model: 'claude-x' }))).toEqual({});
  });

  it('applies the documented defaults with a key', () => {
    expect(readClaudeInputs(reader({ 'anthropic-api-key': `${KEY}\n` }))).toEqual({
      claude: { apiKey: KEY, model: DEFAULT_MODEL, timeoutMs: 180_000, maxRetries: 2 },
    });
  });

  it('reads the model and the timeout', () => {
    expect(
      readClaudeInputs(
        reader({
          'anthropic-api-key': KEY,
          model: 'claude-3-5-haiku-20241022',
          'anthropic-timeout': '2m',
        }),
      ).claude,
    ).toMatchObject({ model: 'claude-3-5-haiku-20241022', timeoutMs: 120_000 });
  });

  it.each([
    [
      { model: 'claude sonnet' },
      /^model: expected a Claude model id such as ".+", got "claude sonnet"$/,
    ],
    [{ 'anthropic-timeout': 'soon' }, /^anthropic-timeout: /],
    [
      { 'anthropic-timeout': '500ms' },
      /^anthropic-timeout: expected a duration from 1s to 8m, got "500ms"$/,
    ],
  ])('names the input at fault: %j', (values, message) => {
    expect(() => readClaudeInputs(reader({ 'anthropic-api-key': KEY, ...values }))).toThrow(
      message,
    );
  });

  it('refuses a key that no header can carry without quoting it', () => {
    const bad = `${KEY} ${KEY}`;
    let message = '';
    try {
      readClaudeInputs(reader({ 'anthropic-api-key': bad }));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^anthropic-api-key: expected a key of printable characters/);
    expect(message).not.toContain(KEY);
  });

  it('reaches the optimization-plan and the whole flow', () => {
    const values = reader({ 'anthropic-api-key': KEY, model: 'claude-y' });
    expect(readPlanInputs(values).claude?.model).toBe('claude-y');
    expect(readRunInputs(values).claude?.apiKey).toBe(KEY);
  });
});
