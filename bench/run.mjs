// Runs a bench written in TypeScript: `node bench/run.mjs loadgen` builds bench/loadgen.ts and
// the generator runner it starts (bench/runner.ts) with esbuild, which is already a
// devDependency (scripts/build.mjs bundles dist/ with it), then runs the result (`gate`:
// bench/gate.ts alone). No TypeScript
// loader is added to the project for this. Dependencies stay external, so autocannon, hdr-histogram-js
// and the rest load from node_modules as installed; perf-flow's own src/ is bundled, as it is
// in dist/. The output goes under node_modules/.cache so that those imports resolve.
import { build, stop } from 'esbuild';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCHES = {
  loadgen: ['loadgen', 'runner'],
  gate: ['gate'],
  profile: ['profile', 'profile-worker'],
  database: ['database'],
};

const name = process.argv[2] ?? '';
const entries = BENCHES[name];
if (entries === undefined) {
  console.error(`usage: node bench/run.mjs <${Object.keys(BENCHES).join('|')}> [args...]`);
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'node_modules', '.cache', 'perf-flow-bench');
await mkdir(outdir, { recursive: true });
await build({
  entryPoints: Object.fromEntries(entries.map((e) => [e, join(root, 'bench', `${e}.ts`)])),
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  // The engines field's Node: it keeps import attributes (`with { type: 'json' }`) as written.
  target: 'node20.11',
  sourcemap: 'inline',
  logLevel: 'warning',
});
// esbuild's service process is not needed any more: one child less during the measurements.
await stop();
process.argv.splice(2, 1);
await import(pathToFileURL(join(outdir, `${entries[0]}.mjs`)).href);
