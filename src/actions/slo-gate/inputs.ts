import type { SloGateInputs } from '../../stages/slo-gate.js';
import { COMMON_INPUTS, FAIL_ON_INPUT, readGateInputs, type InputReader } from '../inputs.js';

export const INPUTS = { ...COMMON_INPUTS, ...FAIL_ON_INPUT };

export function readInputs(read: InputReader): SloGateInputs {
  return readGateInputs(read);
}
