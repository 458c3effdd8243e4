/**
 * RAG API rules: recording rules (request rate, error and slow-request ratios
 * per SLO window, p95 latency), multi-window multi-burn-rate SLO alerts
 * (Google SRE workbook, ch. 5 "Alerting on SLOs") and the cause alerts.
 */
import { ragApiMetricsOf, type RagopsConfig, type ServiceConfig } from '../../config/schema';
import { formatDuration, parseDuration } from '../../duration';
import { alertRule, DASHBOARDS, num, q, type AlertingRule, type RecordingRule } from './model';
import { recentlyDown } from './services';

/** Windows the burn-rate alerts read; each gets a recorded ratio. */
export const SLO_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

/** [long window, short window, burn-rate factor], workbook table 5-8; first two page, last two ticket. */
export const BURN_RATES = {
	critical: [
		['1h', '5m', 14.4],
		['6h', '30m', 6],
	],
	warning: [
		['1d', '2h', 3],
		['3d', '6h', 1],
	],
} as const;

/** Error ratio above which the cause alert warns, whatever the SLO. */
/** Default of `services[].alertThresholds.errorRatio` (the schema's default too). */
export const HIGH_ERROR_RATIO = 0.05;
/** p95 latency (seconds) above which the cause alert warns when the service has no latency SLO. */
export const DEFAULT_LATENCY_THRESHOLD = 1;

export const RECORD = {
	requestRate: 'service:rag_requests:rate5m',
	errorRatio: (w: string) => `service:rag_request_errors:ratio_rate${w}`,
	slowRatio: (w: string) => `service:rag_request_latency_slow:ratio_rate${w}`,
	p95: 'service:rag_request_duration_seconds:p95_rate5m',
} as const;

export function ragApiServices(cfg: RagopsConfig): ServiceConfig[] {
	return cfg.services.filter((s) => s.kind === 'rag-api' && s.metricsPath);
}

function names(s: ServiceConfig) {
	const m = ragApiMetricsOf(s);
	return { requests: m.requestsTotal, status: m.statusLabel, errors: m.errorStatusRegex, histogram: m.latencyHistogram };
}

/**
 * Matcher for the histogram bucket at `threshold`: clients print `le="1"` or `le="1.0"`
 * (and Prometheus 3 normalises to the float form), so accept both.
 */
export function leMatcher(threshold: number): string {
	const text = num(threshold).replace(/\./g, '\\\\.');
	return Number.isInteger(threshold) ? `le=~"${text}(\\\\.0)?"` : `le=~"${text}0*"`;
}

export function ragApiRecordingRules(cfg: RagopsConfig): RecordingRule[] {
	const rules: RecordingRule[] = [];
	for (const s of ragApiServices(cfg)) {
		const n = names(s);
		const job = `job=${q(s.name)}`;
		const all = (w: string) => `sum by (service) (rate(${n.requests}{${job}}[${w}]))`;
		rules.push({ record: RECORD.requestRate, expr: all('5m') });
		const windows = s.slo ? SLO_WINDOWS : (['5m'] as const);
		for (const w of windows) {
			const errors = `sum by (service) (rate(${n.requests}{${job},${n.status}=~${q(n.errors)}}[${w}]))`;
			// `or … * 0` keeps the ratio at 0 (not absent) while no error series exists yet.
			rules.push({ record: RECORD.errorRatio(w), expr: `(${errors} or ${all(w)} * 0) / ${all(w)}` });
		}
		const latency = s.slo?.latency;
		if (latency) {
			for (const w of SLO_WINDOWS) {
				const fast = `sum by (service) (rate(${n.histogram}_bucket{${job},${leMatcher(latency.threshold)}}[${w}]))`;
				const count = `sum by (service) (rate(${n.histogram}_count{${job}}[${w}]))`;
				rules.push({ record: RECORD.slowRatio(w), expr: `1 - ${fast} / ${count}` });
			}
		}
		rules.push({
			record: RECORD.p95,
			expr: `histogram_quantile(0.95, sum by (service, le) (rate(${n.histogram}_bucket{${job}}[5m])))`,
		});
	}
	return rules;
}

function burnExpr(record: (w: string) => string, service: string, budget: number, pairs: readonly (readonly [string, string, number])[]): string {
	const sel = `{service=${q(service)}}`;
	return pairs
		.map(([long, short, factor]) => {
			const limit = num(factor * budget);
			return `(${record(long)}${sel} > ${limit} and ${record(short)}${sel} > ${limit})`;
		})
		.join(' or ');
}

export function ragApiSloAlerts(cfg: RagopsConfig): AlertingRule[] {
	const alerts: AlertingRule[] = [];
	for (const s of ragApiServices(cfg)) {
		if (!s.slo) continue;
		const objectives: { alert: string; record: (w: string) => string; target: number; what: string }[] = [
			{ alert: 'RagApiAvailabilityBudgetBurn', record: RECORD.errorRatio, target: s.slo.availability, what: 'availability' },
		];
		if (s.slo.latency) {
			objectives.push({
				alert: 'RagApiLatencyBudgetBurn',
				record: RECORD.slowRatio,
				target: s.slo.latency.target,
				what: `latency (${num(s.slo.latency.threshold)}s)`,
			});
		}
		for (const o of objectives) {
			const budget = Number((1 - o.target / 100).toPrecision(12));
			for (const severity of ['critical', 'warning'] as const) {
				const pairs = BURN_RATES[severity];
				// After an outage its errors stay in the short windows for up to the longest
				// of them; an outage a Down alert (of the service or of what it depends on)
				// paged must not page again from here, during it or after it.
				const longestShort = formatDuration(Math.max(...pairs.map(([, short]) => parseDuration(short))));
				const down = recentlyDown(cfg, [s.name, ...s.dependsOn], longestShort);
				const burning = burnExpr(o.record, s.name, budget, pairs);
				const ratio = o.record === RECORD.errorRatio ? 'of requests failed' : 'of requests were slow';
				alerts.push(
					alertRule(cfg, {
						alert: o.alert,
						expr: down ? `(${burning}) unless on () ${down}` : burning,
						// The short window already debounces; `for` only rides out a single noisy evaluation.
						for: severity === 'critical' ? '2m' : '15m',
						severity,
						service: s.name,
						summary:
							severity === 'critical'
								? `The RAG API is burning its ${o.what} error budget fast enough to exhaust it within days.`
								: `The RAG API is burning its ${o.what} error budget faster than the SLO allows.`,
						description:
							`{{ $value | humanizePercentage }} ${ratio} at {{ $labels.service }} over the long window ` +
							`(${pairs.map(([l, sh, f]) => `${l}/${sh} above ${num(f)}×`).join(', ')} the ${num(o.target)}% SLO budget).`,
						dashboard: DASHBOARDS.ragApi,
					}),
				);
			}
		}
	}
	return alerts;
}

export function ragApiCauseAlerts(cfg: RagopsConfig): AlertingRule[] {
	const alerts: AlertingRule[] = [];
	for (const s of ragApiServices(cfg)) {
		const sel = `{service=${q(s.name)}}`;
		const threshold = s.alertThresholds?.p95LatencySeconds ?? s.slo?.latency?.threshold ?? DEFAULT_LATENCY_THRESHOLD;
		const errorRatio = s.alertThresholds?.errorRatio ?? HIGH_ERROR_RATIO;
		alerts.push(
			alertRule(cfg, {
				alert: 'RagApiHighErrorRate',
				expr: `${RECORD.errorRatio('5m')}${sel} > ${num(errorRatio)}`,
				for: '10m',
				severity: 'warning',
				service: s.name,
				summary: `More than ${num(errorRatio * 100)}% of RAG API requests fail.`,
				description: '{{ $value | humanizePercentage }} of requests to {{ $labels.service }} failed over the last 5 minutes.',
				dashboard: DASHBOARDS.ragApi,
			}),
			alertRule(cfg, {
				alert: 'RagApiHighLatency',
				expr: `${RECORD.p95}${sel} > ${num(threshold)}`,
				for: '10m',
				severity: 'warning',
				service: s.name,
				summary: `The RAG API's p95 latency is above ${num(threshold)}s.`,
				description: 'p95 latency of {{ $labels.service }} is {{ $value | humanizeDuration }} over the last 5 minutes.',
				dashboard: DASHBOARDS.ragApi,
			}),
		);
	}
	return alerts;
}

/** Seconds of the SLO window, for error-budget panels. */
export function sloWindowSeconds(s: ServiceConfig): number {
	return parseDuration(s.slo?.window ?? '30d');
}
