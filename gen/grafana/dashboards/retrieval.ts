/**
 * Retrieval quality: what the RAG Retrieval Check pushes per golden set (job
 * `ragops_retrieval`, target = the golden set), one series per golden set and
 * measure. The node pushes run-level figures only (no per-case series: a case
 * id per label would be unbounded), so "worst cases" here are the worst golden
 * sets; the cases themselves are in the check's output in n8n (`worstCases`).
 */
import { MappingType, type ValueMapping } from '@grafana/grafana-foundation-sdk/dashboard';
import type { RagopsConfig } from '../../config/schema';
import { METRICS, PUSH_JOBS } from '../../../nodes/shared/metricCatalog';
import { promqlString } from '../../escape';
import { renderDashboard, statPanel, tablePanel, timeseriesPanel } from '../panels';
import { DASHBOARD_UIDS } from '../uids';

const JOB = `{job=${promqlString(PUSH_JOBS.retrieval)}}`;
const by = (metric: { name: string }) => `max by (target) (${metric.name}${JOB})`;

/** pass 0, warn 1, fail 2, unknown 3: one number per golden set, so a stat can colour it. */
export function retrievalVerdictExpr(): string {
	const state = (s: string, weight: number) =>
		`${weight} * max by (target) (${METRICS.retrievalStatus.name}{job=${promqlString(PUSH_JOBS.retrieval)},status=${promqlString(s)}})`;
	return [state('warn', 1), state('fail', 2), state('unknown', 3)].join(' + ');
}

export const VERDICT_MAPPINGS: ValueMapping[] = [
	{
		type: MappingType.ValueToText as const,
		options: {
			'0': { text: 'PASS', color: 'green', index: 0 },
			'1': { text: 'WARN', color: 'orange', index: 1 },
			'2': { text: 'FAIL', color: 'red', index: 2 },
			'3': { text: 'UNKNOWN', color: 'gray', index: 3 },
		},
	},
];

function levelsText(cfg: RagopsConfig): string {
	if (cfg.retrieval.length === 0) return 'No canary is configured in ragops.config.yaml (retrieval:), so none of these alert.';
	return cfg.retrieval
		.map((r) => {
			const t = r.thresholds;
			const parts = [`hit rate warn < ${t.hitRate.warn ?? '—'} / page < ${t.hitRate.page ?? '—'}`, `overlap warn < ${t.overlap.warn ?? '—'}`];
			return `${r.goldenSet} against ${r.service} every ${r.every} (${parts.join(', ')})`;
		})
		.join('; ');
}

export function retrievalDashboard(cfg: RagopsConfig): string {
	const levels = levelsText(cfg);
	const ratio = (title: string, description: string, metrics: [{ name: string }, string][], w = 12) =>
		timeseriesPanel(
			{ title, description, unit: 'percentunit', w, h: 8 },
			metrics.map(([m, what]) => ({ expr: by(m), legend: `{{target}} ${what}` })),
		);
	return renderDashboard({
		uid: DASHBOARD_UIDS.retrieval,
		title: `RagOps / Retrieval quality (${cfg.project})`,
		description: `Golden-set canaries of the RAG Retrieval Check: quality, drift against the baseline, empty results, latency. ${levels}.`,
		tags: ['retrieval'],
		datasources: ['prometheus'],
		rows: [
			{
				title: 'Now',
				panels: [
					statPanel(
						{
							title: 'Verdict',
							description: 'The last run\'s verdict per golden set (the node\'s own thresholds): PASS, WARN, FAIL or UNKNOWN.',
							unit: 'none',
							w: 6,
							h: 5,
						},
						[{ expr: retrievalVerdictExpr(), legend: '{{target}}' }],
					).mappings(VERDICT_MAPPINGS),
					statPanel(
						{
							title: 'Time since last run',
							description: `Seconds since each golden set last ran; RagRetrievalCanaryStale fires past staleAfter (${cfg.retrieval.map((r) => `${r.goldenSet}: ${r.staleAfter}`).join(', ') || 'none configured'}).`,
							unit: 's',
							w: 6,
							h: 5,
						},
						[{ expr: `time() - ${by(METRICS.retrievalLastRun)}`, legend: '{{target}}' }],
					),
					statPanel(
						{ title: 'Cases and k', description: 'Golden cases run in the last run, and the results considered per case (k).', unit: 'short', w: 6, h: 5 },
						[
							{ expr: by(METRICS.retrievalCases), legend: '{{target}} cases' },
							{ expr: by(METRICS.retrievalK), legend: '{{target}} k' },
						],
					),
					statPanel(
						{ title: 'Hit rate now', description: `Hit rate (recall@k) of the last run per golden set. ${levels}.`, unit: 'percentunit', w: 6, h: 5 },
						[{ expr: by(METRICS.retrievalHitRate), legend: '{{target}}' }],
					),
				],
			},
			{
				title: 'Quality over time',
				panels: [
					ratio(
						'Hit rate and recall@k',
						'Share of labelled cases with an expected document in the top k (hit rate), and the mean share of expected documents found (recall). A step down at an ingestion run is a bad re-index.',
						[
							[METRICS.retrievalHitRate, 'hit rate'],
							[METRICS.retrievalRecall, 'recall'],
						],
					),
					ratio('MRR and nDCG@k', 'Mean reciprocal rank of the first expected document, and binary-relevance nDCG@k, per golden set.', [
						[METRICS.retrievalMrr, 'MRR'],
						[METRICS.retrievalNdcg, 'nDCG'],
					]),
					ratio(
						'Overlap with the baseline (drift)',
						'Mean rank-biased overlap of each case\'s ranked ids against the accepted baseline: 1 unchanged, 0 disjoint. Drops when the index changes; returns to 1 once a new baseline is accepted.',
						[[METRICS.retrievalOverlap, 'overlap']],
					),
					ratio('Empty results and errors', 'Share of answered cases that retrieved nothing, and share of cases whose search call failed.', [
						[METRICS.retrievalEmptyRatio, 'empty'],
						[METRICS.retrievalErrorRatio, 'errors'],
					]),
				],
			},
			{
				title: 'Latency',
				panels: [
					timeseriesPanel(
						{
							title: 'Search latency of the golden cases',
							description: 'p50, p95 (nearest rank) and slowest search call over the golden cases of each run.',
							unit: 's',
							w: 24,
							h: 8,
						},
						[
							{ expr: by(METRICS.retrievalLatencyP50), legend: '{{target}} p50' },
							{ expr: by(METRICS.retrievalLatencyP95), legend: '{{target}} p95' },
							{ expr: by(METRICS.retrievalLatencyMax), legend: '{{target}} max' },
						],
					),
				],
			},
			{
				title: 'Worst golden sets and alerts',
				panels: [
					tablePanel(
						{
							title: 'Golden sets, worst hit rate first',
							description:
								'The last run\'s hit rate per golden set, lowest first. The node pushes run-level figures only (a label per case would be unbounded): the worst cases of a run are in its output in n8n (worstCases, caseResults).',
							unit: 'percentunit',
							w: 12,
							h: 8,
						},
						[{ expr: `sort(${by(METRICS.retrievalHitRate)})` }],
					),
					tablePanel(
						{
							title: 'Firing retrieval alerts',
							description: 'RagRetrieval* alerts Prometheus currently fires, with their labels (measure, severity).',
							unit: 'none',
							w: 12,
							h: 8,
						},
						[{ expr: 'ALERTS{alertstate="firing",alertname=~"RagRetrieval.*"}' }],
					),
				],
			},
		],
	});
}
