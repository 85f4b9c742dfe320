import type { GuidanceData } from '../data/common.js';
import { applyGuidance, guidanceData, parseGuidance } from './guidance.js';
import { applyIntakeInputs, baselineLine, guidanceText, type IntakeInputs } from './intake.js';
import type { Config } from './types.js';

/** What one run was asked besides perf-flow.yml: the inputs, or the CLI's flags. */
export interface GuidanceInputs {
  guidance?: string;
  trigger?: string;
  intake?: IntakeInputs;
}

function replacedLines(config: Config, inputs: GuidanceInputs): string[] {
  const written = config.guidance;
  const lines: string[] = [];
  if (inputs.guidance !== undefined && written?.text !== undefined) {
    lines.push(`the guidance input replaces perf-flow.yml's guidance.text "${written.text}"`);
  }
  if (inputs.trigger !== undefined && written?.trigger !== undefined) {
    lines.push(`the trigger input replaces perf-flow.yml's guidance.trigger ${written.trigger}`);
  }
  return lines;
}

/**
 * The config as this run applies it: the guidance section of perf-flow.yml with the inputs in
 * place of its fields, its targets merged into the SLOs, the intake's settings in place; and
 * the guidance as every report shows it, with a line for each thing it changed.
 */
export function guidedConfig(
  loaded: Config,
  inputs: GuidanceInputs,
): { config: Config; guidance: GuidanceData } {
  const intake = applyIntakeInputs(loaded, inputs.intake ?? {});
  const written = intake.config.guidance;
  const text = inputs.guidance ?? written?.text;
  const parsed = parseGuidance(
    guidanceText({ ...written, ...(text !== undefined && { text }) }),
    inputs.trigger ?? written?.trigger,
  );
  const { config, applied } = applyGuidance(intake.config, parsed);
  return {
    config,
    guidance: guidanceData(parsed, [
      ...applied,
      ...replacedLines(loaded, inputs),
      ...baselineLine(written),
      ...intake.applied,
    ]),
  };
}
