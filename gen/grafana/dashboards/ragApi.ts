/**
 * RAG API: RED (rate, errors, duration) from the metric names configured per
 * service, and the SLO view (burn rate now, error budget left in the window).
 */
import type { RagopsConfig, ServiceConfig } from '../../config/schema';
import { parseDuration, formatDuration } from '../../duration';
import { renderDashboard, statPanel, timeseriesPanel, type AnyPanelBuilder, type DashboardSpec } from '../panels';
import { ragApiMetrics, servicesOfKind } from '../services';

export const RAG_API_UID = 'ragops-rag-api';

/** `le` matcher for a bucket bound: client libraries write 1 as "1" or "1.0", Prometheus 3 normalises to "1.0". */
export function leMatcher(threshold: number): string {
	const plain = String(threshold);
	const alternatives = Number.isInteger(threshold) ? [plain, `${plain}.0`] : [plain];
	return `le=~"${alternatives.map((a) => a.replace(/\./g, '\\\\.')).join('|')}"`;
}

function servicePanels(s: ServiceConfig): DashboardSpec['rows'] {
	const m = ragApiMetrics(s);
	const sel = `job="${s.name}"`;
	const errSel = `${sel}, ${m.statusLabel}=~"${m.errorStatusRegex}"`;
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
	// Rounded so 100 - 99.5 renders as 0.005, not 0.0050000000000000044.
	const budget = Number((1 - s.slo.availability / 100).toPrecision(12));
	const window = formatDuration(parseDuration(s.slo.window));
	const sloPanels: AnyPanelBuilder[] = [
		timeseriesPanel(
			{
				title: 'Availability burn rate',
				description: `Error ratio divided by the error budget (${(budget * 100).toFixed(3)} % for a ${s.slo.availability} % SLO). 1 spends the budget exactly over ${window}; the page thresholds are 14.4 and 6.`,
				unit: 'none',
				w: 8,
				h: 8,
			},
			[{ expr: `(${rate(errSel)} / ${rate(sel)}) / ${budget}`, legend: 'burn rate' }],
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
					expr: `1 - (sum(increase(${m.requestsTotal}{${errSel}}[$__range])) / sum(increase(${m.requestsTotal}{${sel}}[$__range]))) / ${budget}`,
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
		uid: RAG_API_UID,
		title: `RagOps / RAG API (${cfg.project})`,
		description: 'Request rate, errors, latency and SLO burn of every RAG API service.',
		tags: ['rag-api', 'slo'],
		datasources: ['prometheus'],
		rows: servicesOfKind(cfg, 'rag-api').flatMap(servicePanels),
	});
}
