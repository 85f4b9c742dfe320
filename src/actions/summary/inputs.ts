import type { CommonInputs } from '../../stages/context.js';
import { COMMON_INPUTS, readCommonInputs, type InputReader } from '../inputs.js';

export const INPUTS = { ...COMMON_INPUTS };

export function readInputs(read: InputReader): CommonInputs {
  return readCommonInputs(read);
}
