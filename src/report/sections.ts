import type { GuidanceData, LoadParams, Provenance } from '../data/common.js';
import { formatBytes, formatCount, formatMs, formatRate } from '../measure/format.js';
import { blocks, codeBlock, escapeMarkdown, table } from './format.js';

function list(items: readonly string[]): string {
  return items.map((item) => `- ${escapeMarkdown(item)}`).join('\n');
}

/** Free text keeps its line breaks as a quote; each line is escaped on its own. */
function quote(text: string): string {
  return text
    .split(/\r\n|[\r\n]/)
    .map((line) => (line.trim() === '' ? '>' : `> ${escapeMarkdown(line)}`))
    .join('\n');
}

/**
 * Every report says what guidance it was given and what that changed, so a reader can tell
 * a result shaped by guidance from one driven by the configuration alone.
 */
export function renderGuidance(guidance: GuidanceData): string {
  const given =
    (guidance.text !== undefined && guidance.text.trim() !== '') ||
    guidance.trigger !== undefined ||
    guidance.focus.length > 0 ||
    guidance.targets.length > 0;

  const facts: string[] = [];
  if (guidance.trigger !== undefined) {
    facts.push(`- **Trigger:** ${escapeMarkdown(guidance.trigger)}`);
  }
  if (guidance.focus.length > 0) {
    facts.push(`- **Focus areas:** ${guidance.focus.map(escapeMarkdown).join(', ')}`);
  }
  if (guidance.targets.length > 0) {
    facts.push(`- **Targets:** ${guidance.targets.map(escapeMarkdown).join('; ')}`);
  }

  let applied: string;
  if (guidance.applied.length > 0) {
    applied = `**How it was applied:**\n\n${list(guidance.applied)}`;
  } else if (given) {
    applied = 'How it was applied: it changed nothing in this stage.';
  } else {
    applied = 'No guidance was given: this stage followed the configuration alone.';
  }

  return blocks(
    '## Guidance',
    guidance.text !== undefined && guidance.text.trim() !== '' && quote(guidance.text),
    facts.join('\n'),
    // Applied lines are printed even without guidance: a stage may record its defaults.
    applied,
  );
}

function describeLoad(load: LoadParams): string[][] {
  const model = load.model === 'closed' ? 'closed loop' : load.model;
  return [
    ['Load model', `${model} (${escapeMarkdown(load.tool)})`],
    ['Connections', formatCount(load.connections)],
    [
      'Rate limit',
      load.rateRps === undefined
        ? 'none (as fast as the service answers)'
        : formatRate(load.rateRps),
    ],
    ['Measured duration', formatMs(load.durationMs)],
    ['Warm-up (not measured)', formatMs(load.warmupMs)],
    [
      'Request timeout',
      `${formatMs(load.requestTimeoutMs)} (a request that times out counts in the latency ` +
        'figures at this value: it took at least that long)',
    ],
  ];
}

/** Everything needed to run the measurement again and to judge whether two runs compare. */
export function renderHowMeasured(provenance: Provenance, load?: LoadParams): string {
  const versions = Object.entries(provenance.versions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, version]) => `${escapeMarkdown(name)} ${escapeMarkdown(version)}`)
    .join(', ');
  const rows: string[][] = [
    ['Commit', provenance.commit === null ? 'unknown' : escapeMarkdown(provenance.commit)],
    [
      'Config',
      `${escapeMarkdown(provenance.configPath)} (sha256 ${escapeMarkdown(provenance.configHash)})`,
    ],
    ['Tool', escapeMarkdown(provenance.tool)],
    ['Node', escapeMarkdown(provenance.node)],
    ['Platform', escapeMarkdown(provenance.platform)],
    ['CPU', `${escapeMarkdown(provenance.cpuModel)} × ${formatCount(provenance.cpuCount)}`],
    ['Memory', formatBytes(provenance.totalMemoryBytes)],
    ['Tool versions', versions === '' ? 'not recorded' : versions],
    ['Created at', escapeMarkdown(provenance.createdAt)],
    ...(load ? describeLoad(load) : []),
  ];
  return blocks(
    '## How this was measured',
    table(['Item', 'Value'], rows),
    provenance.commands.length > 0
      ? `Commands:\n\n${codeBlock(provenance.commands, 'sh')}`
      : 'Commands: none recorded.',
  );
}
