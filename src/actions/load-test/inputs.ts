import type { LoadTestInputs } from '../../stages/load-test.js';
import {
  COMMON_INPUTS,
  LOAD_OVERRIDE_INPUTS,
  SHARD_INPUTS,
  readShard,
  readCommonInputs,
  readLoadOverrides,
  type InputReader,
} from '../inputs.js';

export const INPUTS = { ...COMMON_INPUTS, ...LOAD_OVERRIDE_INPUTS, ...SHARD_INPUTS };

export function readInputs(read: InputReader): LoadTestInputs {
  const shard = readShard(read);
  return {
    ...readCommonInputs(read),
    overrides: readLoadOverrides(read),
    ...(shard ? { shard } : {}),
  };
}
