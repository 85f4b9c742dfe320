export { renderBaseline } from './baseline.js';
export { renderProfileAnalysis } from './profile-analysis.js';
export { renderPlan } from './optimization-plan.js';
export { renderLoadTest } from './load-test.js';
export { renderSloCompliance } from './slo-compliance.js';
export { renderSummary, type SummaryInput } from './summary.js';
export { renderGuidance, renderHowMeasured } from './sections.js';
export { latencyChart, throughputChart, downsampleTimeline, MAX_CHART_POINTS } from './charts.js';
export {
  escapeMarkdown,
  formatBytes,
  formatChange,
  formatMs,
  formatPct,
  formatRate,
  formatSliValue,
  sloStatusBadge,
  verdictBadge,
} from './format.js';
