import * as core from '@actions/core';
import { runFlow } from '../../stages/flow.js';
import { runAction } from '../run-action.js';
import { readInputs } from './inputs.js';

void runAction('run', (deps) => runFlow(readInputs(core.getInput), deps));
