/** Ingestion and freshness: the batch side of the RAG stack, as pushed by the RAG Ingestion and RAG Freshness Check nodes. */
import type { RagopsConfig } from '../../config/schema';
import { METRICS } from '../../../nodes/shared/metricCatalog';
import { renderDashboard, statPanel, tablePanel, timeseriesPanel } from '../panels';
import { DASHBOARD_UIDS } from '../uids';

export function ingestionDashboard(cfg: RagopsConfig): string {
	const sources = cfg.ingestion.sources.map((s) => `${s.name} every ${s.every}`).join(', ') || 'none configured';
	const manifests =
		cfg.ingestion.freshness.map((f) => `${f.manifest} warn ${f.warnAfter} / error ${f.errorAfter}`).join(', ') ||
		'none configured';
	return renderDashboard({
		uid: DASHBOARD_UIDS.ingestion,
		title: `RagOps / Ingestion & freshness (${cfg.project})`,
		description: `Ingestion runs (sources: ${sources}) and freshness manifests (${manifests}).`,
		tags: ['ingestion', 'freshness'],
		datasources: ['prometheus'],
		rows: [
			{
				title: 'Ingestion runs',
				panels: [
					statPanel(
						{
							title: 'Last run succeeded',
							description: 'Whether the last ingestion run of each source succeeded (1) or failed (0).',
							unit: 'bool_yes_no',
							w: 8,
							h: 6,
						},
						[{ expr: `max by (target) (${METRICS.ingestionLastRunSuccess.name})`, legend: '{{target}}' }],
					),
					statPanel(
						{
							title: 'Time since last success',
							description: `Seconds since the last successful run of each source; alerts fire after two schedule periods (${sources}).`,
							unit: 's',
							w: 8,
							h: 6,
						},
						[{ expr: `time() - max by (target) (${METRICS.ingestionLastSuccess.name})`, legend: '{{target}}' }],
					),
					timeseriesPanel(
						{
							title: 'Last run duration',
							description: 'Duration of the last ingestion run of each source.',
							unit: 's',
							w: 8,
							h: 6,
						},
						[{ expr: `max by (target) (${METRICS.ingestionDuration.name})`, legend: '{{target}}' }],
					),
					timeseriesPanel(
						{
							title: 'Documents and chunks in the last run',
							description: 'Documents processed and chunks written by the last ingestion run of each source.',
							unit: 'short',
							w: 24,
							h: 6,
						},
						[
							{ expr: `max by (target) (${METRICS.ingestionDocuments.name})`, legend: '{{target}} documents' },
							{ expr: `max by (target) (${METRICS.ingestionChunks.name})`, legend: '{{target}} chunks' },
						],
					),
				],
			},
			{
				title: 'Freshness manifests',
				panels: [
					timeseriesPanel(
						{
							title: 'Manifest age',
							description: `Age of each freshness manifest when last checked (${manifests}).`,
							unit: 's',
							w: 12,
							h: 8,
						},
						[{ expr: `max by (target) (${METRICS.freshnessAge.name})`, legend: '{{target}}' }],
					),
					tablePanel(
						{
							title: 'Freshness verdict',
							description: 'Current verdict (pass, warn, fail, unknown) of each manifest, as the RAG Freshness Check reported it.',
							unit: 'none',
							w: 12,
							h: 8,
						},
						[{ expr: `${METRICS.freshnessStatus.name} == 1` }],
					),
					timeseriesPanel(
						{
							title: 'Documents and chunks in the index',
							description: 'Documents and chunks each manifest reports in the index; a sudden drop means lost content.',
							unit: 'short',
							w: 24,
							h: 8,
						},
						[
							{ expr: `max by (target) (${METRICS.freshnessDocuments.name})`, legend: '{{target}} documents' },
							{ expr: `max by (target) (${METRICS.freshnessChunks.name})`, legend: '{{target}} chunks' },
						],
					),
				],
			},
		],
	});
}
