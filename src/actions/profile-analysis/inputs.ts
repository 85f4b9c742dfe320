import type { ProfileAnalysisInputs } from '../../stages/profile-analysis.js';
import {
  BASE_REF_INPUT,
  COMMON_INPUTS,
  readBaseRef,
  readCommonInputs,
  type InputReader,
} from '../inputs.js';

export const INPUTS = { ...COMMON_INPUTS, ...BASE_REF_INPUT };

export function readInputs(read: InputReader): ProfileAnalysisInputs {
  return { ...readCommonInputs(read), ...readBaseRef(read) };
}
