/** Vector database: Qdrant's own /metrics plus the snapshots the Qdrant Backup node pushes. */
import type { RagopsConfig } from '../../config/schema';
import { METRICS } from '../../../nodes/shared/metricCatalog';
import { renderDashboard, statPanel, timeseriesPanel, type DashboardSpec } from '../panels';
import { jobRegex, servicesOfKind } from '../services';
import { promqlString } from '../../escape';
import { DASHBOARD_UIDS } from '../uids';

export function vectorDbDashboard(cfg: RagopsConfig): string {
	const qdrants = servicesOfKind(cfg, 'qdrant').filter((s) => s.metricsPath);
	const sel = `job=~${promqlString(jobRegex(qdrants))}`;
	const rows: DashboardSpec['rows'] = [];
	if (qdrants.length > 0) {
		rows.push({
			title: 'Qdrant',
			panels: [
				statPanel(
					{ title: 'Collections', description: 'Number of collections per Qdrant node.', unit: 'short', w: 6, h: 6 },
					[{ expr: `sum by (job) (collections_total{${sel}})`, legend: '{{job}}' }],
				),
				statPanel(
					{ title: 'Vectors', description: 'Total number of vectors over all collections.', unit: 'short', w: 6, h: 6 },
					[{ expr: `sum by (job) (collections_vector_total{${sel}})`, legend: '{{job}}' }],
				),
				timeseriesPanel(
					{
						title: 'REST requests and failures',
						description: 'REST API responses per second, and failed responses per second.',
						unit: 'reqps',
						w: 12,
						h: 6,
					},
					[
						{ expr: `sum by (job) (rate(rest_responses_total{${sel}}[$__rate_interval]))`, legend: '{{job}} responses' },
						{ expr: `sum by (job) (rate(rest_responses_fail_total{${sel}}[$__rate_interval]))`, legend: '{{job}} failures' },
					],
				),
				timeseriesPanel(
					{
						title: 'REST latency p99 by endpoint',
						description: 'p99 REST latency per endpoint from the rest_responses_duration_seconds histogram (Qdrant ≥ 1.8).',
						unit: 's',
						w: 24,
						h: 8,
					},
					[
						{
							expr: `histogram_quantile(0.99, sum by (le, endpoint) (rate(rest_responses_duration_seconds_bucket{${sel}}[$__rate_interval])))`,
							legend: '{{endpoint}}',
						},
					],
				),
			],
		});
	}
	const collections = cfg.backups ? cfg.backups.collections.join(', ') : 'none configured';
	rows.push({
		title: 'Backups',
		panels: [
			statPanel(
				{
					title: 'Time since last successful backup',
					description: `Seconds since the last successful snapshot of each collection (${collections}); alerts fire after two backup periods.`,
					unit: 's',
					w: 6,
					h: 6,
				},
				[{ expr: `time() - max by (target) (${METRICS.backupLastSuccess.name})`, legend: '{{target}}' }],
			),
			statPanel(
				{
					title: 'Last backup succeeded and verified',
					description: 'Whether the last backup of each collection succeeded, and whether its snapshot verified against its checksum.',
					unit: 'bool_yes_no',
					w: 6,
					h: 6,
				},
				[
					{ expr: `max by (target) (${METRICS.backupLastRunSuccess.name})`, legend: '{{target}} succeeded' },
					{ expr: `max by (target) (${METRICS.backupVerified.name})`, legend: '{{target}} verified' },
				],
			),
			timeseriesPanel(
				{ title: 'Snapshot size', description: 'Size of the last snapshot of each collection.', unit: 'bytes', w: 6, h: 6 },
				[{ expr: `max by (target) (${METRICS.backupSize.name})`, legend: '{{target}}' }],
			),
			timeseriesPanel(
				{ title: 'Backup duration', description: 'Duration of the last backup of each collection.', unit: 's', w: 6, h: 6 },
				[{ expr: `max by (target) (${METRICS.backupDuration.name})`, legend: '{{target}}' }],
			),
		],
	});
	return renderDashboard({
		uid: DASHBOARD_UIDS.vectorDb,
		title: `RagOps / Vector database (${cfg.project})`,
		description: 'Qdrant collections, request rates and latency, and snapshot backups.',
		tags: ['qdrant', 'backups'],
		datasources: ['prometheus'],
		rows,
	});
}
