// Writes each action's README from its action.yml: usage pinned to @v1, the permissions it
// needs, and the inputs and outputs tables. `npm run docs`; a test fails when one is stale.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { markdownTable } from 'markdown-table';
import YAML from 'yaml';

// Each directory under actions/ is one stage's action.
const STAGES = readdirSync('actions').sort();

/** [action.yml, README, the `uses:` reference, its key in PERMISSIONS] for each action. */
export const ACTION_DOCS = [
  ['action.yml', 'docs/action.md', 'org/perf-flow@v1', 'root'],
  ...STAGES.map((s) => [
    `actions/${s}/action.yml`,
    `actions/${s}/README.md`,
    `org/perf-flow/actions/${s}@v1`,
    s,
  ]),
];

const READS_OTHER_RUNS =
  "`actions: read` to find the default branch's latest result among the repository's artifacts";
const POSTS =
  '`pull-requests: write` for the sticky PR comment and `checks: write` for the `perf-flow` ' +
  "check run; without them (a fork's read-only token) it says what it could not post and keeps " +
  'the verdict';

/**
 * What each action does with the job's token. Artifacts of the same run go through the
 * runner's own token, which needs no permission.
 */
const PERMISSIONS = {
  root: {
    scopes: ['contents: read', 'actions: read', 'pull-requests: write', 'checks: write'],
    why: `\`contents: read\` to check out, ${READS_OTHER_RUNS} (the before/after), ${POSTS}.`,
  },
  summary: {
    scopes: ['contents: read', 'actions: read', 'pull-requests: write', 'checks: write'],
    why: `\`contents: read\` to check out, ${READS_OTHER_RUNS} (the before/after), ${POSTS}.`,
  },
  'load-test': {
    scopes: ['contents: read', 'actions: read'],
    why:
      '`contents: read` to check out (and to fetch `base-ref` when the checkout lacks it); ' +
      `${READS_OTHER_RUNS}, only with \`regression.baseline: artifact\`.`,
  },
};
const READ_ONLY = {
  scopes: ['contents: read'],
  why:
    'It needs only `contents: read`: it writes step outputs, the job summary, files in the ' +
    'report directory and its artifact for later jobs.',
};

const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderActionDoc(actionYmlText, uses, key) {
  const permissions = PERMISSIONS[key] ?? READ_ONLY;
  const action = YAML.parse(actionYmlText);
  const inputs = Object.entries(action.inputs ?? {});
  const outputs = Object.entries(action.outputs ?? {});
  return [
    `# ${action.name}`,
    '',
    action.description,
    '',
    '<!-- Generated from action.yml by `npm run docs`: edit action.yml instead. -->',
    '',
    '## Usage',
    '',
    '```yaml',
    'permissions:',
    ...permissions.scopes.map((scope) => `  ${scope}`),
    'steps:',
    '  - uses: actions/checkout@v5',
    `  - uses: ${uses}`,
    '    with:',
    '      config: perf-flow.yml',
    '```',
    '',
    permissions.why,
    '',
    '## Inputs',
    '',
    markdownTable([
      ['name', 'description', 'default'],
      ...inputs.map(([name, i]) => [
        `\`${name}\``,
        cell(i.description),
        i.default === undefined ? '' : `\`${cell(i.default)}\``,
      ]),
    ]),
    '',
    '## Outputs',
    '',
    markdownTable([
      ['name', 'description'],
      ...outputs.map(([name, o]) => [`\`${name}\``, cell(o.description)]),
    ]),
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [yml, readme, uses, key] of ACTION_DOCS) {
    writeFileSync(readme, renderActionDoc(readFileSync(yml, 'utf8'), uses, key));
    console.log(`wrote ${readme}`);
  }
}
