import type { DatabaseAnalysisData, Finding, Hotspot, SloEvaluation } from '../data/stages.js';
import { slug, whereIs } from './text.js';

type DatabaseFinding = DatabaseAnalysisData['findings'][number];

/**
 * The ids plan items cite findings by. Each is derived from the finding itself (or its
 * place in the analysis), so the rules and the catalogue agree without handing a table
 * around, and a hotspot keeps its id from one run to the next.
 */
export const findingId = {
  // The location is part of the id: two "(anonymous)" functions are two findings.
  hotspot: (h: Hotspot) => `cpu:${slug(h.functionName)}@${slug(whereIs(h))}`,
  gc: () => 'cpu:gc',
  database: (index: number, f: DatabaseFinding) => `db:${index + 1}:${f.kind}`,
  statement: (index: number) => `db:statement:${index + 1}`,
  slo: (slo: SloEvaluation) => `slo:${slug(slo.name)}`,
  diagnosis: (index: number, f: Finding) => `diagnosis:${index + 1}:${f.kind}`,
  /** One of each kind at most (load-test-findings.ts): the kind is the id. */
  loadTest: (kind: string) => `load-test:${kind}`,
};
