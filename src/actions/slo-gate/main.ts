import * as core from '@actions/core';
import { runSloGate } from '../../stages/slo-gate.js';
import { runAction } from '../run-action.js';
import { readInputs } from './inputs.js';

void runAction('slo-gate', (deps) => runSloGate(readInputs(core.getInput), deps));
