import type { SummaryInputs } from '../../stages/summary.js';
import {
  COMMON_INPUTS,
  COMPARE_WITH_INPUT,
  readCommonInputs,
  readCompareWith,
  type InputReader,
} from '../inputs.js';

export const INPUTS = { ...COMMON_INPUTS, ...COMPARE_WITH_INPUT };

export function readInputs(read: InputReader): SummaryInputs {
  return { ...readCommonInputs(read), compareWith: readCompareWith(read) };
}
