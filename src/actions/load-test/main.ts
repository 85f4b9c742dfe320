import * as core from '@actions/core';
import { runLoadTest } from '../../stages/load-test.js';
import { runAction } from '../run-action.js';
import { readInputs } from './inputs.js';

void runAction('load-test', (deps) => runLoadTest(readInputs(core.getInput), deps));
