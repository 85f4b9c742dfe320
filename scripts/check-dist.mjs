// The actions run from dist/: a bundle older than its source would ship old behaviour.
import { execFileSync } from 'node:child_process';

const status = execFileSync('git', ['status', '--porcelain', '--', 'dist'], { encoding: 'utf8' });
if (status.trim() !== '') {
  console.error('dist/ is stale: `npm run build` changed it. Commit the rebuilt dist/.\n' + status);
  process.exit(1);
}
console.log('dist/ is up to date with src/.');
