import * as core from '@actions/core';
import { runProfileAnalysis } from '../../stages/profile-analysis.js';
import { runAction } from '../run-action.js';
import { readInputs } from './inputs.js';

void runAction('profile-analysis', (deps) => runProfileAnalysis(readInputs(core.getInput), deps));
