/**
 * Retrieval quality, from the RAG Retrieval Check's pushes (job
 * `ragops_retrieval`, target = the golden set). Per configured canary:
 * - RagRetrievalQualityLow: a measure past its warn level (warning) or its page
 *   level (critical) for `for.warn` / `for.page`. One alert name for every
 *   measure, with a `measure` label, so a bad re-index that drops hit rate, MRR
 *   and the empty ratio at once is one Alertmanager group, one notification;
 *   the critical one hides the warning (same alertname and service);
 * - RagRetrievalDrift: the rankings moved away from the accepted baseline
 *   (overlap below its level) while the labelled measures are fine; a quality
 *   alert of the same golden set hides it (inhibit rule);
 * - RagRetrievalCheckErroring: the canary's search calls fail;
 * - RagRetrievalCanaryStale / RagRetrievalMetricsAbsent: nobody runs the canary.
 *
 * The node's pushes replace the group (PUT): a value stays until the next run,
 * so a run made during an outage keeps its bad figures for up to `every` after
 * the service is back, longer than a Down alert's hold. Like the burn rates,
 * every retrieval alert is therefore silent while, and for `staleAfter` after,
 * a Down alert of the checked service, of a service it depends on, or of n8n
 * (which runs the canary) fired, or the Pushgateway was down: that outage
 * already notified.
 */
import type { RagopsConfig, RetrievalCheckConfig } from '../../config/schema';
import { formatDuration, parseDuration } from '../../duration';
import { METRICS, PUSH_JOBS, type MetricDefinition } from '../../../nodes/shared/metricCatalog';
import { JOBS } from '../endpoints';
import { alertRule, DASHBOARDS, num, q, type AlertingRule } from './model';
import { PUSHGATEWAY_UP } from './health';
import { kindPrefix } from './names';

type Thresholds = RetrievalCheckConfig['thresholds'];

/** The measures graded by RagRetrievalQualityLow: config key, pushed metric, `measure` label, which way is bad. */
export const QUALITY_MEASURES: readonly { key: Exclude<keyof Thresholds, 'overlap' | 'errorRatio'>; metric: MetricDefinition; label: string; what: string; lowerIsBetter?: boolean }[] = [
	{ key: 'hitRate', metric: METRICS.retrievalHitRate, label: 'hit_rate', what: 'hit rate (recall@k)' },
	{ key: 'recall', metric: METRICS.retrievalRecall, label: 'recall', what: 'mean recall@k' },
	{ key: 'mrr', metric: METRICS.retrievalMrr, label: 'mrr', what: 'MRR' },
	{ key: 'ndcg', metric: METRICS.retrievalNdcg, label: 'ndcg', what: 'nDCG@k' },
	{ key: 'emptyRatio', metric: METRICS.retrievalEmptyRatio, label: 'empty_ratio', what: 'empty-result ratio', lowerIsBetter: true },
];

function sel(goldenSet: string): string {
	return `{job=${q(PUSH_JOBS.retrieval)},target=${q(goldenSet)}}`;
}

/**
 * Non-empty while, or within `staleAfter` after, a Down alert of the checked
 * service, of what it depends on, or N8nDown fired (held firing included), or
 * the Pushgateway was reported down (RagOpsComponentDown): the canary's pushes
 * are lost then, and the age of its last run counts the outage.
 */
export function retrievalOutage(cfg: RagopsConfig, r: RetrievalCheckConfig): string {
	const service = cfg.services.find((s) => s.name === r.service);
	const watched = cfg.services.filter((s) => [r.service, ...(service?.dependsOn ?? [])].includes(s.name) && (s.healthPath || s.metricsPath));
	const alertnames = [...new Set([...watched.map((s) => `${kindPrefix(s.kind)}Down`), 'N8nDown'])].sort();
	const services = [...watched.map((s) => s.name), JOBS.n8n].sort();
	const re = (list: string[]) => q(list.join('|'));
	const firing = (matchers: string) => `max_over_time(ALERTS{alertstate="firing",${matchers}}[${r.staleAfter}])`;
	return `(${firing(`alertname=~${re(alertnames)},service=~${re(services)}`)} or ${firing(`alertname="RagOpsComponentDown",job=${q(JOBS.pushgateway)}`)})`;
}

export function retrievalAlerts(cfg: RagopsConfig): AlertingRule[] {
	return cfg.retrieval.flatMap((r) => {
		const s = sel(r.goldenSet);
		const quiet = (expr: string) => `(${expr}) unless on () ${retrievalOutage(cfg, r)}`;
		const base = { service: r.service, dashboard: DASHBOARDS.retrieval } as const;
		const alerts: AlertingRule[] = [];
		for (const m of QUALITY_MEASURES) {
			const levels = r.thresholds[m.key];
			if (!levels) continue;
			for (const [level, severity, holdFor] of [
				['warn', 'warning', r.for.warn],
				['page', 'critical', r.for.page],
			] as const) {
				const limit = levels[level];
				if (limit === undefined) continue;
				const op = m.lowerIsBetter ? '>' : '<';
				alerts.push(
					alertRule(cfg, {
						...base,
						alert: 'RagRetrievalQualityLow',
						expr: quiet(`${m.metric.name}${s} ${op} ${num(limit)}`),
						for: holdFor,
						severity,
						labels: { target: r.goldenSet, measure: m.label },
						summary:
							severity === 'critical'
								? `Retrieval ${m.what} is far ${m.lowerIsBetter ? 'above' : 'below'} its level: answers are likely wrong.`
								: `Retrieval ${m.what} is ${m.lowerIsBetter ? 'above' : 'below'} its warn level.`,
						description: `The golden set {{ $labels.target }} scores ${m.what} {{ $value | printf "%.2f" }} against ${r.service} (${severity} ${m.lowerIsBetter ? 'above' : 'below'} ${num(limit)}, for ${holdFor}).`,
					}),
				);
			}
		}
		for (const [level, severity] of [
			['warn', 'warning'],
			['page', 'critical'],
		] as const) {
			const limit = r.thresholds.overlap[level];
			if (limit === undefined) continue;
			alerts.push(
				alertRule(cfg, {
					...base,
					alert: 'RagRetrievalDrift',
					expr: quiet(`${METRICS.retrievalOverlap.name}${s} < ${num(limit)}`),
					for: level === 'warn' ? r.for.warn : r.for.page,
					severity,
					labels: { target: r.goldenSet },
					summary: 'The ranked results of the golden set moved away from the accepted baseline.',
					description: `Rank-biased overlap of golden set {{ $labels.target }} against its baseline is {{ $value | printf "%.2f" }} (${severity} below ${num(limit)}): the index changed without the labelled measures saying so.`,
				}),
			);
		}
		for (const [level, severity] of [
			['warn', 'warning'],
			['page', 'critical'],
		] as const) {
			const limit = r.thresholds.errorRatio[level];
			if (limit === undefined) continue;
			alerts.push(
				alertRule(cfg, {
					...base,
					alert: 'RagRetrievalCheckErroring',
					expr: quiet(`${METRICS.retrievalErrorRatio.name}${s} > ${num(limit)}`),
					for: level === 'warn' ? r.for.warn : r.for.page,
					severity,
					labels: { target: r.goldenSet },
					summary: 'The retrieval canary\'s search calls fail while the service is up.',
					description: `{{ $value | humanizePercentage }} of the golden set {{ $labels.target }}'s search calls to ${r.service} failed (${severity} above ${num(limit * 100)}%).`,
				}),
			);
		}
		const stale = parseDuration(r.staleAfter);
		alerts.push(
			alertRule(cfg, {
				...base,
				alert: 'RagRetrievalCanaryStale',
				expr: quiet(`time() - ${METRICS.retrievalLastRun.name}${s} > ${stale}`),
				for: '5m',
				severity: 'warning',
				labels: { target: r.goldenSet },
				summary: 'The retrieval canary has not run for longer than its staleAfter.',
				description: `The golden set {{ $labels.target }} last ran {{ $value | humanizeDuration }} ago (expected every ${r.every}, stale after ${r.staleAfter}); retrieval quality is not watched.`,
			}),
			alertRule(cfg, {
				...base,
				alert: 'RagRetrievalMetricsAbsent',
				expr: quiet(`absent(${METRICS.retrievalLastRun.name}${s}) ${PUSHGATEWAY_UP}`),
				for: formatDuration(stale),
				severity: 'warning',
				labels: { target: r.goldenSet },
				summary: 'No retrieval check result has been pushed for the golden set.',
				description: `No ${METRICS.retrievalLastRun.name} for golden set {{ $labels.target }} has been pushed for ${r.staleAfter}.`,
			}),
		);
		return alerts;
	});
}
