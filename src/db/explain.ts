import type pg from 'pg';
import { own } from './connection.js';

/** A sequential scan in a statement's plan, and the index that would serve its filter. */
export interface SeqScanPlan {
  /** schema.table */
  table: string;
  /** The scan's filter as the planner prints it, e.g. `(owner = $1)`. */
  filter: string | null;
  /** The rows the planner expects the scan to read and to keep. */
  estimatedRows: number;
  /** Columns the filter compares with a value, in order of appearance. */
  columns: string[];
  /** CREATE INDEX for those columns; null when the filter names none. */
  suggestedIndex: string | null;
}

export interface StatementPlan {
  /** The plan's text (EXPLAIN's default format), for the report. */
  text: string;
  seqScans: SeqScanPlan[];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Schema?: string;
  Alias?: string;
  Filter?: string;
  'Plan Rows'?: number;
  Plans?: PlanNode[];
}

/**
 * The plan of a statement as pg_stat_statements or pg_stat_activity shows it ($1… for
 * values), without running it: the statement is prepared, and its generic plan (the one for
 * any parameter values) explained; never EXPLAIN ANALYZE. Parameters' types come from the
 * statement. Runs in a read-only transaction that is rolled back, so nothing it does stays.
 */
export async function explainStatement(
  client: pg.Client,
  statement: string,
): Promise<StatementPlan> {
  const params = [...statement.matchAll(/\$(\d+)/g)].reduce(
    (most, m) => Math.max(most, Number(m[1])),
    0,
  );
  const args = params === 0 ? '' : `(${Array.from({ length: params }, () => 'NULL').join(', ')})`;
  // One statement only: the text comes from the database (pg_stat_activity may show several
  // separated by ';'), and whatever followed the first would run. The extended protocol
  // refuses several commands in one message as well.
  if (statement.replace(/[\s;]+$/, '').includes(';')) {
    throw new Error('several statements in one text: not explained');
  }
  await client.query(own('BEGIN READ ONLY'));
  try {
    await client.query(own('SET LOCAL plan_cache_mode = force_generic_plan'));
    // queryMode is the driver's (pg 8.23), not yet in its types.
    await client.query({
      text: own(`PREPARE perf_flow_explain AS ${statement}`),
      queryMode: 'extended',
    } as pg.QueryConfig);
    // VERBOSE: the plan then names each table's schema.
    const json = await client.query(
      own(`EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE perf_flow_explain${args}`),
    );
    const text = await client.query(own(`EXPLAIN EXECUTE perf_flow_explain${args}`));
    const plan = (json.rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan;
    return {
      text: text.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n'),
      seqScans: seqScans(plan),
    };
  } finally {
    await client.query(own('ROLLBACK')).catch(() => undefined);
    await client.query(own('DEALLOCATE perf_flow_explain')).catch(() => undefined);
  }
}

function seqScans(node: PlanNode): SeqScanPlan[] {
  const found: SeqScanPlan[] = [];
  const visit = (n: PlanNode) => {
    if (n['Node Type'] === 'Seq Scan' && n['Relation Name'] !== undefined) {
      const table = `${n.Schema ?? 'public'}.${n['Relation Name']}`;
      const filter = n.Filter ?? null;
      const columns = filter === null ? [] : filterColumns(filter, n.Alias ?? n['Relation Name']);
      found.push({
        table,
        filter,
        estimatedRows: n['Plan Rows'] ?? 0,
        columns,
        suggestedIndex:
          columns.length === 0
            ? null
            : `CREATE INDEX CONCURRENTLY ON ${quoteQualified(table)} (${columns.map(quoteIdent).join(', ')});`,
      });
    }
    for (const child of n.Plans ?? []) visit(child);
  };
  visit(node);
  return found;
}

// A column compared with a value: `owner = $1`, `(items.price > 10)`, `((name)::text = $1)`
// (a varchar column, as plans print it), `name ~~ 'abc%'::text` (LIKE); `(lower(email) = …)`
// is not (an expression index would be).
const NAME = '(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_]*)';
const COMPARISON = new RegExp(
  `(?:^|[\\s(])(?:\\((${NAME}(?:\\.${NAME})?)\\)::[A-Za-z_ ]+?|(${NAME}(?:\\.${NAME})?))` +
    `\\s*(= ANY|<>|<=|>=|=|<|>|~~\\*?)\\s*(?=[$'(\\d-]|ANY|NULL)`,
  'g',
);

/** The columns a Seq Scan's filter compares with values, equality first. */
export function filterColumns(filter: string, alias: string): string[] {
  const equal: string[] = [];
  const other: string[] = [];
  for (const match of filter.matchAll(COMPARISON)) {
    let column = (match[1] ?? match[2])!;
    const dot = column.lastIndexOf('.');
    if (dot !== -1) {
      const qualifier = unquote(column.slice(0, dot));
      if (qualifier !== alias) continue;
      column = column.slice(dot + 1);
    }
    column = unquote(column);
    const list = match[3] === '=' || match[3] === '= ANY' ? equal : other;
    if (!equal.includes(column) && !other.includes(column)) list.push(column);
  }
  // An index serves equality on its leading columns best, then one range.
  return [...equal, ...other.slice(0, 1)];
}

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name;
}

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

function quoteQualified(table: string): string {
  const dot = table.indexOf('.');
  return `${quoteIdent(table.slice(0, dot))}.${quoteIdent(table.slice(dot + 1))}`;
}
