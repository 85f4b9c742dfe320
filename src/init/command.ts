import path from 'node:path';
import { ConfigError } from '../errors.js';
import { runInit, type InitFlags } from './run-init.js';

/** The options only `perf-flow init` takes, and those of the others it takes too. */
export const INIT_ONLY_OPTIONS = ['yes', 'force', 'start', 'port', 'ready', 'journey'] as const;
const INIT_SHARED_OPTIONS = ['config', 'working-directory', 'help', 'version'];

export interface InitValues extends InitFlags {
  config?: string | undefined;
  'working-directory'?: string | undefined;
  yes?: boolean | undefined;
  force?: boolean | undefined;
}

/** An option of another command given to init would be silently ignored: it is refused. */
export function checkInitOptions(values: Record<string, unknown>): void {
  for (const [option, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (![...INIT_ONLY_OPTIONS, ...INIT_SHARED_OPTIONS].includes(option)) {
      throw new ConfigError(`--${option} does not apply to init`, `--${option}`);
    }
  }
}

/** `perf-flow init`: asks on the terminal, or reads piped answers, and writes perf-flow.yml. */
export async function initCommand(values: InitValues): Promise<void> {
  const workDir = path.resolve(values['working-directory'] ?? '.');
  const flags: InitFlags = {
    ...(values.start !== undefined && { start: values.start }),
    ...(values.port !== undefined && { port: values.port }),
    ...(values.ready !== undefined && { ready: values.ready }),
    ...(values.journey !== undefined && { journey: values.journey }),
  };
  await runInit(
    {
      file: path.resolve(workDir, values.config ?? 'perf-flow.yml'),
      force: values.force ?? false,
      yes: values.yes ?? false,
      flags,
    },
    { input: process.stdin, output: process.stdout, interactive: Boolean(process.stdin.isTTY) },
  );
}
