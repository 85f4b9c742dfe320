import type pg from 'pg';
import type { ActivityProfile } from './activity.js';
import { explainStatement } from './explain.js';
import type { ScannedTable } from './findings.js';
import { SEQ_SCAN_MIN_ROWS } from './findings.js';
import type { DatabaseDelta } from './stats.js';

// Statements explained per scanned table, most database time first.
const CANDIDATES_PER_TABLE = 3;

/**
 * The large tables the load read by sequential scans, each with the statement whose plan
 * scans it (found among the statements that name the table, by EXPLAIN: never run).
 * A statement that cannot be explained (cut short in pg_stat_activity, say) is passed over.
 */
export async function scannedTables(
  client: pg.Client,
  delta: DatabaseDelta,
  activity: ActivityProfile,
): Promise<ScannedTable[]> {
  const statements =
    delta.statements?.map((s) => ({ text: s.text, preparable: s.preparable })) ??
    activity.statements.map((s) => ({ text: s.text, preparable: s.preparable }));
  const out: ScannedTable[] = [];
  for (const table of delta.tables) {
    if (table.seqScan === 0 || table.liveRows < SEQ_SCAN_MIN_ROWS) continue;
    const entry: ScannedTable = {
      table: table.name,
      seqScans: table.seqScan,
      rowsRead: table.seqTupRead,
      liveRows: table.liveRows,
    };
    const relname = table.name.slice(table.name.indexOf('.') + 1);
    // The table's name as a word of its own, qualified (public.products, "public"."products")
    // or not.
    const naming = new RegExp(
      `(^|[^A-Za-z0-9_"])"?${escapeRegExp(relname)}"?($|[^A-Za-z0-9_"])`,
      'i',
    );
    for (const statement of statements
      .filter((s) => naming.test(s.text))
      .slice(0, CANDIDATES_PER_TABLE)) {
      const plan = await explainStatement(client, statement.preparable).catch(() => undefined);
      const scan = plan?.seqScans.find((s) => s.table === table.name);
      if (scan === undefined) continue;
      entry.statement = statement.text;
      entry.plan = scan;
      break;
    }
    out.push(entry);
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
