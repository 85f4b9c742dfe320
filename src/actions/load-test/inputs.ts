import type { LoadTestInputs } from '../../stages/load-test.js';
import {
  COMMON_INPUTS,
  LOAD_OVERRIDE_INPUTS,
  readCommonInputs,
  readLoadOverrides,
  type InputReader,
} from '../inputs.js';

export const INPUTS = { ...COMMON_INPUTS, ...LOAD_OVERRIDE_INPUTS };

export function readInputs(read: InputReader): LoadTestInputs {
  return { ...readCommonInputs(read), overrides: readLoadOverrides(read) };
}
