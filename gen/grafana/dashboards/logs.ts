/** Logs: error-log rates (the same LogQL the Loki alert rules use) and the log lines behind them. */
import type { RagopsConfig } from '../../config/schema';
import { ERROR_LINE_FILTER, errorRate, serviceSelector } from '../../loki/logql';
import { logsPanel, lokiTimeseriesPanel, renderDashboard } from '../panels';
import { servicesOfKind } from '../services';
import { DASHBOARD_UIDS } from '../uids';

const ALL = '{service=~".+"}';

export function logsDashboard(cfg: RagopsConfig): string {
	const watched = servicesOfKind(cfg, 'rag-api', 'ingestion');
	return renderDashboard({
		uid: DASHBOARD_UIDS.logs,
		title: `RagOps / Logs (${cfg.project})`,
		description: 'Container logs shipped by Alloy to Loki: error rates per service and the error lines.',
		tags: ['logs', 'loki'],
		datasources: ['loki'],
		rows: [
			{
				title: 'Rates',
				panels: [
					lokiTimeseriesPanel(
						{
							title: 'Error log lines per second',
							description: `Error-level log lines per second by compose service; the log alerts fire above ${cfg.logs.errorRateThreshold}/s.`,
							unit: 'short',
							w: 12,
							h: 8,
						},
						[{ expr: errorRate(ALL, '$__auto'), legend: '{{service}}' }],
					),
					lokiTimeseriesPanel(
						{
							title: 'Log lines per second',
							description: 'All log lines per second by compose service (log volume).',
							unit: 'short',
							w: 12,
							h: 8,
						},
						[{ expr: `sum by (service) (rate(${ALL} [$__auto]))`, legend: '{{service}}' }],
					),
				],
			},
			{
				title: 'Error lines',
				panels: [
					logsPanel(
						{
							title: 'Error lines, all services',
							description: 'Log lines of every service that match the error filter the alerts use.',
							unit: 'none',
							w: 24,
							h: 10,
						},
						`${ALL} ${ERROR_LINE_FILTER}`,
					),
					...watched.map((s) =>
						logsPanel(
							{
								title: `${s.name} logs`,
								description: `All log lines of ${s.name} (compose service "${s.name}").`,
								unit: 'none',
								w: 24,
								h: 10,
							},
							serviceSelector(s.name),
						),
					),
				],
			},
		],
	});
}
