import type { FlowInputs } from '../../stages/flow.js';
import { COMMON_INPUTS, FAIL_ON_INPUT, readGateInputs, type InputReader } from '../inputs.js';

export const INPUTS = { ...COMMON_INPUTS, ...FAIL_ON_INPUT };

export function readInputs(read: InputReader): FlowInputs {
  return readGateInputs(read);
}
