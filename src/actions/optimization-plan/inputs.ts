import type { OptimizationPlanInputs } from '../../stages/optimization-plan.js';
import { CLAUDE_INPUTS, readClaudeInputs } from '../claude-inputs.js';
import {
  COMMON_INPUTS,
  INTAKE_CHOICE_INPUTS,
  readCommonInputs,
  withIntakeChoices,
  type InputReader,
} from '../inputs.js';

export const INPUTS = { ...COMMON_INPUTS, ...INTAKE_CHOICE_INPUTS, ...CLAUDE_INPUTS };

export function readInputs(read: InputReader): OptimizationPlanInputs {
  return { ...withIntakeChoices(readCommonInputs(read), read), ...readClaudeInputs(read) };
}
