/**
 * RAG API: RED (rate, errors, duration) from the metric names configured per
 * service, and the SLO view (burn rate now, error budget left in the window).
 */
import type { RagopsConfig, ServiceConfig } from '../../config/schema';
import { parseDuration, formatDuration } from '../../duration';
import { num } from '../../prometheus/rules/model';
import { promqlString } from '../../escape';
import { renderDashboard, statPanel, timeseriesPanel, type AnyPanelBuilder, type DashboardSpec } from '../panels';
import { ragApiMetrics, servicesOfKind } from '../services';
import { leMatcher, RECORD } from '../../prometheus/rules/ragApi';
import { DASHBOARD_UIDS } from '../uids';

/** Burn-rate windows shown: the short and long windows of the multi-window alerts. */
const BURN_WINDOWS = ['5m', '1h', '6h', '1d', '3d'];

function servicePanels(s: ServiceConfig): DashboardSpec['rows'] {
	const m = ragApiMetrics(s);
	const sel = `job=${promqlString(s.name)}`;
	const errSel = `${sel}, ${m.statusLabel}=~${promqlString(m.errorStatusRegex)}`;
	const rate = (matchers: string, metric = m.requestsTotal) => `sum(rate(${metric}{${matchers}}[$__rate_interval]))`;
	const quantile = (q: number) =>
		`histogram_quantile(${q}, sum by (le) (rate(${m.latencyHistogram}_bucket{${sel}}[$__rate_interval])))`;
	const rows: DashboardSpec['rows'] = [
		{
			title: `${s.name}: requests, errors, duration`,
			panels: [
				timeseriesPanel(
					{
						title: 'Request rate by route',
						description: `Requests per second (${m.requestsTotal}) by ${m.routeLabel}.`,
						unit: 'reqps',
						w: 8,
						h: 8,
					},
					[
						{
							expr: `sum by (${m.routeLabel}) (rate(${m.requestsTotal}{${sel}}[$__rate_interval]))`,
							legend: `{{${m.routeLabel}}}`,
						},
					],
				),
				timeseriesPanel(
					{
						title: 'Error ratio',
						description: `Share of requests answered with a status matching ${m.errorStatusRegex}.`,
						unit: 'percentunit',
						w: 8,
						h: 8,
					},
					[{ expr: `${rate(errSel)} / ${rate(sel)}`, legend: 'errors' }],
				),
				timeseriesPanel(
					{
						title: 'Latency quantiles',
						description: `p50, p90 and p99 request latency from the ${m.latencyHistogram} histogram.`,
						unit: 's',
						w: 8,
						h: 8,
					},
					[0.5, 0.9, 0.99].map((q) => ({ expr: quantile(q), legend: `p${q * 100}` })),
				),
			],
		},
	];
	if (!s.slo) return rows;
	const budget = 1 - s.slo.availability / 100;
	const window = formatDuration(parseDuration(s.slo.window));
	const sloPanels: AnyPanelBuilder[] = [
		timeseriesPanel(
			{
				title: 'Availability burn rate',
				description: `Error ratio per window (the recording rules the SLO alerts use) divided by the error budget (${num(budget * 100)} % for a ${s.slo.availability} % SLO). 1 spends the budget exactly over ${window}; the alerts page at 14.4 (1h and 5m) and 6 (6h and 30m).`,
				unit: 'none',
				w: 8,
				h: 8,
			},
			BURN_WINDOWS.map((w) => ({ expr: `${RECORD.errorRatio(w)}{service=${promqlString(s.name)}} / ${num(budget)}`, legend: w })),
		),
		statPanel(
			{
				title: `Error budget left (${window})`,
				description: `Share of the ${window} availability error budget not yet spent. The panel always looks back over the SLO window.`,
				unit: 'percentunit',
				w: 8,
				h: 8,
			},
			[
				{
					expr: `1 - (sum(increase(${m.requestsTotal}{${errSel}}[$__range])) / sum(increase(${m.requestsTotal}{${sel}}[$__range]))) / ${num(budget)}`,
					legend: 'budget left',
				},
			],
		).timeFrom(window),
	];
	if (s.slo.latency) {
		const { threshold, target } = s.slo.latency;
		sloPanels.push(
			timeseriesPanel(
				{
					title: `Requests faster than ${threshold}s`,
					description: `Share of requests served within the latency SLO threshold (${threshold}s); the target is ${target} %.`,
					unit: 'percentunit',
					w: 8,
					h: 8,
				},
				[
					{
						expr: `sum(rate(${m.latencyHistogram}_bucket{${sel}, ${leMatcher(threshold)}}[$__rate_interval])) / sum(rate(${m.latencyHistogram}_count{${sel}}[$__rate_interval]))`,
						legend: 'within threshold',
					},
				],
			),
		);
	}
	rows.push({ title: `${s.name}: SLO`, panels: sloPanels });
	return rows;
}

export function ragApiDashboard(cfg: RagopsConfig): string {
	return renderDashboard({
		uid: DASHBOARD_UIDS.ragApi,
		title: `RagOps / RAG API (${cfg.project})`,
		description: 'Request rate, errors, latency and SLO burn of every RAG API service.',
		tags: ['rag-api', 'slo'],
		datasources: ['prometheus'],
		rows: servicesOfKind(cfg, 'rag-api').flatMap(servicePanels),
	});
}
