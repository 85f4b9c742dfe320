import type { LoadTestInputs } from '../../stages/load-test.js';
import {
  COMMON_INPUTS,
  INTAKE_CHOICE_INPUTS,
  LOAD_OVERRIDE_INPUTS,
  SCENARIOS_INPUT,
  BASE_REF_INPUT,
  readBaseRef,
  SHARD_INPUTS,
  readShard,
  readCommonInputs,
  readLoadOverrides,
  readScenarios,
  withIntakeChoices,
  type InputReader,
} from '../inputs.js';

export const INPUTS = {
  ...COMMON_INPUTS,
  ...INTAKE_CHOICE_INPUTS,
  ...SCENARIOS_INPUT,
  ...BASE_REF_INPUT,
  ...LOAD_OVERRIDE_INPUTS,
  ...SHARD_INPUTS,
};

export function readInputs(read: InputReader): LoadTestInputs {
  const shard = readShard(read);
  const scenarios = readScenarios(read);
  return {
    ...withIntakeChoices(readCommonInputs(read), read),
    ...(scenarios ? { scenarios } : {}),
    overrides: readLoadOverrides(read),
    ...(shard ? { shard } : {}),
    ...readBaseRef(read),
  };
}
