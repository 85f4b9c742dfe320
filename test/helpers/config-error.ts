import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

/** The ConfigError perf-flow raises for the config `text`; throws if it accepts it. */
export function configErrorOf(text: string, file: string): ConfigError {
  try {
    parseConfigText(text, file);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, the config was accepted');
}
