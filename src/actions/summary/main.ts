import * as core from '@actions/core';
import { runSummary } from '../../stages/summary.js';
import { runAction } from '../run-action.js';
import { readInputs } from './inputs.js';

void runAction('summary', (deps) => runSummary(readInputs(core.getInput), deps));
