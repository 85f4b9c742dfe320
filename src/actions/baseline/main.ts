import * as core from '@actions/core';
import { runBaseline } from '../../stages/baseline.js';
import { runAction } from '../run-action.js';
import { readInputs } from './inputs.js';

void runAction('baseline', (deps) => runBaseline(readInputs(core.getInput), deps));
