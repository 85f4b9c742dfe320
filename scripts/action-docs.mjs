// Writes each action's README from its action.yml: usage pinned to @v1, the permissions it
// needs, and the inputs and outputs tables. `npm run docs`; a test fails when one is stale.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { markdownTable } from 'markdown-table';
import YAML from 'yaml';

// Each directory under actions/ is one stage's action.
const STAGES = readdirSync('actions').sort();

/** [action.yml, README, the `uses:` reference] for the root action and each stage. */
export const ACTION_DOCS = [
  ['action.yml', 'docs/action.md', 'org/perf-flow@v1'],
  ...STAGES.map((s) => [
    `actions/${s}/action.yml`,
    `actions/${s}/README.md`,
    `org/perf-flow/actions/${s}@v1`,
  ]),
];

const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderActionDoc(actionYmlText, uses) {
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
    '  contents: read',
    'steps:',
    '  - uses: actions/checkout@v4',
    `  - uses: ${uses}`,
    '    with:',
    '      config: perf-flow.yml',
    '```',
    '',
    'It needs only `contents: read`: it writes step outputs, the job summary and files in the',
    'report directory.',
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
  for (const [yml, readme, uses] of ACTION_DOCS) {
    writeFileSync(readme, renderActionDoc(readFileSync(yml, 'utf8'), uses));
    console.log(`wrote ${readme}`);
  }
}
