/** Stack overview: one glance at every service, the batch jobs n8n watches, and what is firing. */
import { MappingType, type ValueMapping } from '@grafana/grafana-foundation-sdk/dashboard';
import type { RagopsConfig } from '../../config/schema';
import { METRICS, PUSH_JOBS } from '../../../nodes/shared/metricCatalog';
import { renderDashboard, statPanel, tablePanel } from '../panels';
import { tileWidth } from '../services';
import { promqlString } from '../../escape';
import { DASHBOARD_UIDS } from '../uids';
import { retrievalVerdictExpr, VERDICT_MAPPINGS } from './retrieval';

const UP_DOWN: ValueMapping[] = [
	{
		type: MappingType.ValueToText as const,
		options: { '0': { text: 'DOWN', color: 'red', index: 0 }, '1': { text: 'UP', color: 'green', index: 1 } },
	},
];

export function overviewDashboard(cfg: RagopsConfig): string {
	const w = tileWidth(cfg.services.length);
	const health = cfg.services.map((s) => {
		const queries = [
			{ expr: `min(${METRICS.healthUp.name}{job=${promqlString(PUSH_JOBS.health)}, target=${promqlString(s.name)}})`, legend: 'n8n check' },
		];
		// Only scraped services have an `up` series; probing alone shows in the probe panel below.
		if (s.metricsPath) queries.push({ expr: `min(up{job=${promqlString(s.name)}})`, legend: 'scrape' });
		// Blackbox probes carry the service name as `service` (gen/prometheus/scrape.ts).
		if (s.healthPath) queries.push({ expr: `min(probe_success{service=${promqlString(s.name)}})`, legend: 'probe' });
		return statPanel(
			{
				title: `${s.name} health`,
				description: `Whether ${s.name} is up: the debounced result of the n8n RAG Health Check (target "${s.name}")${s.metricsPath ? ', whether Prometheus can scrape it' : ''}${s.healthPath ? `, the blackbox probe of ${s.healthPath}` : ''}.`,
				unit: 'none',
				w,
				h: 4,
			},
			queries,
		).mappings(UP_DOWN);
	});
	return renderDashboard({
		uid: DASHBOARD_UIDS.overview,
		title: `RagOps / Stack overview (${cfg.project})`,
		description: 'Health of every service of the RAG stack, freshness, ingestion, backups and firing alerts.',
		tags: ['overview'],
		datasources: ['prometheus'],
		rows: [
			{ title: 'Services', panels: health },
			{
				title: 'Probes and watchers',
				panels: [
					statPanel(
						{
							title: 'Blackbox probes',
							description: 'Result of the blackbox exporter HTTP probe of each health endpoint (1 = success).',
							unit: 'none',
							w: 12,
							h: 4,
						},
						[{ expr: 'probe_success', legend: '{{instance}}' }],
					).mappings(UP_DOWN),
					statPanel(
						{
							title: 'Age of the last n8n health sweep',
							description: `Seconds since the n8n health workflow last checked each target; above ${cfg.healthChecks.staleAfter} n8n has stopped watching.`,
							unit: 's',
							w: 12,
							h: 4,
						},
						[{ expr: `time() - max by (target) (${METRICS.healthLastRun.name})`, legend: '{{target}}' }],
					),
				],
			},
			{
				title: 'Batch jobs',
				panels: [
					statPanel(
						{
							title: 'Freshness manifest age',
							description: 'Age of each freshness manifest when n8n last checked it (now minus its generated-at time).',
							unit: 's',
							w: 8,
							h: 4,
						},
						[{ expr: `max by (target) (${METRICS.freshnessAge.name})`, legend: '{{target}}' }],
					),
					statPanel(
						{
							title: 'Time since last successful ingestion',
							description: 'Seconds since the last successful ingestion run of each source.',
							unit: 's',
							w: 8,
							h: 4,
						},
						[{ expr: `time() - max by (target) (${METRICS.ingestionLastSuccess.name})`, legend: '{{target}}' }],
					),
					statPanel(
						{
							title: 'Time since last successful backup',
							description: 'Seconds since the last successful Qdrant snapshot of each collection.',
							unit: 's',
							w: 8,
							h: 4,
						},
						[{ expr: `time() - max by (target) (${METRICS.backupLastSuccess.name})`, legend: '{{target}}' }],
					),
				],
			},
			...retrievalRow(cfg),
			{
				title: 'Alerts',
				panels: [
					tablePanel(
						{
							title: 'Firing alerts',
							description: 'Alerts Prometheus currently fires (ALERTS series), with their labels.',
							unit: 'none',
							w: 24,
							h: 8,
						},
						[{ expr: 'ALERTS{alertstate="firing"}' }],
					),
				],
			},
		],
	});
}

/** Retrieval canaries at a glance (details on the Retrieval quality dashboard); only when some are configured. */
function retrievalRow(cfg: RagopsConfig) {
	if (cfg.retrieval.length === 0) return [];
	const job = `{job=${promqlString(PUSH_JOBS.retrieval)}}`;
	const sets = cfg.retrieval.map((r) => `${r.goldenSet} (${r.service})`).join(', ');
	return [
		{
			title: 'Retrieval quality',
			panels: [
				statPanel(
					{ title: 'Retrieval verdict', description: `Verdict of the last retrieval canary run per golden set: ${sets}.`, unit: 'none', w: 6, h: 4 },
					[{ expr: retrievalVerdictExpr(), legend: '{{target}}' }],
				).mappings(VERDICT_MAPPINGS),
				statPanel(
					{ title: 'Retrieval hit rate', description: 'Hit rate (recall@k) of the last canary run per golden set.', unit: 'percentunit', w: 6, h: 4 },
					[{ expr: `max by (target) (${METRICS.retrievalHitRate.name}${job})`, legend: '{{target}}' }],
				),
				statPanel(
					{ title: 'Overlap with the baseline', description: 'Rank-biased overlap of the last canary run against the accepted baseline (1 = unchanged).', unit: 'percentunit', w: 6, h: 4 },
					[{ expr: `max by (target) (${METRICS.retrievalOverlap.name}${job})`, legend: '{{target}}' }],
				),
				statPanel(
					{ title: 'Time since last canary run', description: 'Seconds since each golden set last ran.', unit: 's', w: 6, h: 4 },
					[{ expr: `time() - max by (target) (${METRICS.retrievalLastRun.name}${job})`, legend: '{{target}}' }],
				),
			],
		},
	];
}
