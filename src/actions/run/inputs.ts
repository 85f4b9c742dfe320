import type { FlowInputs } from '../../stages/flow.js';
import {
  COMMON_INPUTS,
  COMPARE_WITH_INPUT,
  FAIL_ON_INPUT,
  SCENARIOS_INPUT,
  BASE_REF_INPUT,
  readBaseRef,
  readCompareWith,
  readGateInputs,
  readScenarios,
  type InputReader,
} from '../inputs.js';

export const INPUTS = {
  ...COMMON_INPUTS,
  ...FAIL_ON_INPUT,
  ...COMPARE_WITH_INPUT,
  ...SCENARIOS_INPUT,
  ...BASE_REF_INPUT,
};

export function readInputs(read: InputReader): FlowInputs {
  const scenarios = readScenarios(read);
  return {
    ...readGateInputs(read),
    compareWith: readCompareWith(read),
    ...(scenarios ? { scenarios } : {}),
    ...readBaseRef(read),
  };
}
