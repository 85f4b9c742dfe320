/**
 * Every entry, loaded on demand: one shared bundle (dist/perf-flow.js) serves all the actions
 * and the CLI, and each dist/<name>/index.js only starts its own.
 */
const ENTRIES = {
  baseline: () => import('./actions/baseline/main.js'),
  'profile-analysis': () => import('./actions/profile-analysis/main.js'),
  'optimization-plan': () => import('./actions/optimization-plan/main.js'),
  'load-test': () => import('./actions/load-test/main.js'),
  'slo-gate': () => import('./actions/slo-gate/main.js'),
  summary: () => import('./actions/summary/main.js'),
  run: () => import('./actions/run/main.js'),
  cli: () => import('./cli.js'),
} as const;

export type EntryName = keyof typeof ENTRIES;
export const ENTRY_NAMES = Object.keys(ENTRIES) as EntryName[];

export async function start(name: EntryName): Promise<void> {
  await ENTRIES[name]();
}
