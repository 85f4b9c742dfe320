import * as core from '@actions/core';
import { runOptimizationPlan } from '../../stages/optimization-plan.js';
import { runAction } from '../run-action.js';
import { readInputs } from './inputs.js';

void runAction('optimization-plan', (deps) => runOptimizationPlan(readInputs(core.getInput), deps));
