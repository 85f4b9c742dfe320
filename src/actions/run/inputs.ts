import type { FlowInputs } from '../../stages/flow.js';
import {
  COMMON_INPUTS,
  COMPARE_WITH_INPUT,
  FAIL_ON_INPUT,
  readCompareWith,
  readGateInputs,
  type InputReader,
} from '../inputs.js';

export const INPUTS = { ...COMMON_INPUTS, ...FAIL_ON_INPUT, ...COMPARE_WITH_INPUT };

export function readInputs(read: InputReader): FlowInputs {
  return { ...readGateInputs(read), compareWith: readCompareWith(read) };
}
