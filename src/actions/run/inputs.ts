import type { FlowInputs } from '../../stages/flow.js';
import { CLAUDE_INPUTS, readClaudeInputs } from '../claude-inputs.js';
import {
  COMMON_INPUTS,
  COMPARE_WITH_INPUT,
  FAIL_ON_INPUT,
  INTAKE_CHOICE_INPUTS,
  SCENARIOS_INPUT,
  BASE_REF_INPUT,
  readBaseRef,
  readCompareWith,
  readGateInputs,
  readScenarios,
  withIntakeChoices,
  type InputReader,
} from '../inputs.js';

export const INPUTS = {
  ...COMMON_INPUTS,
  ...INTAKE_CHOICE_INPUTS,
  ...FAIL_ON_INPUT,
  ...COMPARE_WITH_INPUT,
  ...SCENARIOS_INPUT,
  ...BASE_REF_INPUT,
  ...CLAUDE_INPUTS,
};

export function readInputs(read: InputReader): FlowInputs {
  const scenarios = readScenarios(read);
  return {
    ...withIntakeChoices(readGateInputs(read), read),
    compareWith: readCompareWith(read),
    ...(scenarios ? { scenarios } : {}),
    ...readBaseRef(read),
    ...readClaudeInputs(read),
  };
}
