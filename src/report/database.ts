import type { DatabaseAnalysisData } from '../data/stages.js';
import { formatCount, formatMs, formatPct } from '../measure/format.js';
import { blocks, codeBlock, escapeMarkdown, table } from './format.js';

const FINDING_TITLES: Record<DatabaseAnalysisData['findings'][number]['kind'], string> = {
  'n-plus-one': 'N+1 queries',
  'missing-index': 'Missing index',
  'lock-wait': 'Lock waits',
  'io-wait': 'I/O waits',
  'pool-saturated': 'Connection pool saturated',
  'connections-near-limit': 'Connections near the limit',
};

const figure = (value: number | null, format: (v: number) => string) =>
  value === null ? '–' : format(value);

/** The bottleneck report's database section: what the service's PostgreSQL did under load. */
export function databaseSection(d: DatabaseAnalysisData | undefined): string {
  if (d === undefined) return '';
  const header = `Watched: ${escapeMarkdown(d.target)}.`;
  if (d.status === 'incomplete' && d.activity === null) {
    return blocks(
      '## Database',
      header,
      `> **Incomplete.** ${d.missing.map(escapeMarkdown).join(' ')} The rest of the analysis stands without it.`,
    );
  }
  const notes = d.missing.map((m) => escapeMarkdown(m));
  return blocks(
    '## Database',
    header,
    d.status === 'incomplete'
      ? `> **Incomplete**, what could be seen follows. ${notes.join(' ')}`
      : notes.map((m) => `> ${m}`).join('\n>\n'),
    findings(d.findings),
    topTable(d.top),
    journeysTable(d.journeys),
    sessions(d.activity),
  );
}

function findings(list: DatabaseAnalysisData['findings']): string {
  if (list.length === 0)
    return 'No N+1 pattern, missing index, lock or I/O wait or saturated pool was found.';
  return blocks(
    ...list.map((f) =>
      blocks(
        `**${FINDING_TITLES[f.kind]}.** ${escapeMarkdown(f.summary)}`,
        f.evidence.map((e) => `- ${escapeMarkdown(e)}`).join('\n'),
        f.suggestedIndex !== undefined ? codeBlock([f.suggestedIndex], 'sql') : '',
      ),
    ),
  );
}

function topTable(top: DatabaseAnalysisData['top']): string {
  if (top.length === 0) return '';
  return blocks(
    '### Statements by database time',
    table(
      ['#', 'statement', 'share', 'calls', 'mean', 'rows', 'waits seen'],
      top.map((s, i) => [
        String(i + 1),
        escapeMarkdown(s.text),
        formatPct(s.share),
        figure(s.calls, formatCount),
        figure(s.meanMs, formatMs),
        figure(s.rows, formatCount),
        Object.keys(s.waits).length === 0
          ? '–'
          : escapeMarkdown(
              Object.entries(s.waits)
                .sort((a, b) => b[1] - a[1])
                .map(([wait, n]) => `${wait} ×${n}`)
                .join(', '),
            ),
      ]),
      ['r', 'l', 'r', 'r', 'r', 'r', 'l'],
    ),
  );
}

function journeysTable(journeys: DatabaseAnalysisData['journeys']): string {
  const measured = journeys.filter((j) => j.queriesPerRequest !== null);
  if (measured.length === 0) return '';
  return blocks(
    '### Statements per request, by journey',
    'Each journey run alone: its statements divided by its HTTP requests.',
    table(
      ['journey', 'requests', 'statements per request', 'most called'],
      measured.map((j) => {
        const most = j.statements[0];
        return [
          escapeMarkdown(j.journey),
          formatCount(j.requests),
          (j.queriesPerRequest as number).toFixed(1),
          most === undefined
            ? '–'
            : `${escapeMarkdown(most.text)} (${most.callsPerRequest.toFixed(1)} per request)`,
        ];
      }),
      ['l', 'r', 'r', 'l'],
    ),
  );
}

function sessions(a: DatabaseAnalysisData['activity']): string {
  if (a === null || a.samples === 0) return '';
  const waits = Object.entries(a.waitsByType).sort((x, y) => y[1] - x[1]);
  return blocks(
    '### Sessions under load',
    `pg_stat_activity sampled ${formatCount(a.samples)} times, every ${formatMs(a.intervalMs)}.`,
    table(
      [
        'sessions (max)',
        'running a statement (mean / max)',
        'idle in transaction (max)',
        'waits seen',
      ],
      [
        [
          String(a.sessions.maxTotal),
          `${a.sessions.meanActive.toFixed(1)} / ${a.sessions.maxActive}`,
          String(a.sessions.maxIdleInTransaction),
          waits.length === 0 ? '–' : escapeMarkdown(waits.map(([t, n]) => `${t} ×${n}`).join(', ')),
        ],
      ],
    ),
  );
}
