import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { describeCallFailure } from '../../../src/plan/claude/call-failure.js';

const KEY = 'sk-ant-test-0123456789abcdefghijklmnopqrstuvwxyz';
const options = { apiKey: KEY, model: 'claude-test', timeoutMs: 1000, maxRetries: 0 };

describe('describeCallFailure', () => {
  it('masks a key the API quotes before cutting its message, wherever the cut falls', () => {
    for (const at of [0, 150, 180, 190, 199]) {
      const body = {
        type: 'error',
        error: { type: 'invalid_request_error', message: `${'x'.repeat(at)}${KEY} rest` },
      };
      const error = Anthropic.APIError.generate(400, body, undefined, new Headers());
      const said = describeCallFailure(error, options);
      expect(said).toMatch(/^Claude refused the request \(400\): x*/);
      // No piece of the key survives: not its first 8 characters, not its last 8.
      expect(said).not.toContain(KEY.slice(0, 8));
      expect(said).not.toContain(KEY.slice(-8));
    }
  });
});
