/**
 * Alerts from the RAG Health Check node's pushes. The node already debounces
 * (a target is DOWN after N consecutive failures), so `for` stays short. The
 * severity follows the target's own `critical` flag as pushed, so a user marks
 * criticality once, in the workflow.
 */
import type { RagopsConfig } from '../../config/schema';
import { parseDuration } from '../../duration';
import { METRICS, PUSH_JOBS } from '../../../nodes/shared/metricCatalog';
import { JOBS } from '../endpoints';
import { alertRule, DASHBOARDS, META_SERVICE, q, targetAsService, type AlertingRule } from './model';

const JOB = `{job=${q(PUSH_JOBS.health)}}`;

/**
 * Suffix for `absent()` of a pushed series: "… unless the Pushgateway is down".
 * A pushed series is absent because nobody pushed it, or because the Pushgateway
 * holding it is not scraped; only the first is the pusher's fault.
 */
export const PUSHGATEWAY_UP = `unless on () (up{job=${q(JOBS.pushgateway)}} == 0)`;

/**
 * The series Prometheus's own down alerts are computed from, each carrying
 * `service` (scrape.ts sets it as a target label): the blackbox probe behind
 * `<Prefix>Down` of a service with a healthPath, `up` behind `<Prefix>Down` of
 * a service with only a metricsPath (services.ts), and n8n's `up` behind
 * N8nDown (meta.ts). A service with both paths is matched by its probe only,
 * as its down alert is: its `up` would also exist while the blackbox exporter
 * is gone, and then nothing would page.
 */
function watchedByPrometheus(cfg: RagopsConfig): string {
	const matchJobs = (jobs: string[]) => (jobs.length === 1 ? `job=${q(jobs[0])}` : `job=~${q(jobs.join('|'))}`);
	const scrapedOnly = cfg.services.filter((s) => s.metricsPath && !s.healthPath).map((s) => s.name);
	const up = `up{${matchJobs([...scrapedOnly, JOBS.n8n])}}`;
	return cfg.services.some((s) => s.healthPath) ? `probe_success{job=${q(JOBS.blackbox)}} or ${up}` : up;
}

export function healthAlerts(cfg: RagopsConfig): AlertingRule[] {
	const down = `${METRICS.healthUp.name}${JOB} == 0`;
	const critical = `on (target) (${METRICS.healthCritical.name}${JOB} == 1)`;
	// One outage must page once. Where Prometheus watches the service itself, its
	// down alert is the page, and the inhibition "a down alert silences the
	// service's other alerts" cannot cover this one: it holds only while the
	// down alert fires, and this alert fires on a different clock (its `for` is
	// shorter, so it can page first; n8n needs several passing checks to call a
	// target UP, so it still fires after the down alert resolved and pages for
	// an outage that is over). So it pages only for targets Prometheus does not
	// see: external endpoints, services without healthPath/metricsPath, and any
	// service whose series are gone (its scrape removed, the blackbox exporter
	// down), matched on the presence of the series, whatever its value.
	const unwatched = (expr: string) => `${targetAsService(expr)} unless on (service) (${watchedByPrometheus(cfg)})`;
	const base = {
		alert: 'RagHealthTargetDown',
		for: '1m',
		summary: 'A health-checked target is DOWN.',
		description: 'n8n’s health check reports {{ $labels.target }} DOWN (debounced over consecutive failed checks).',
		dashboard: DASHBOARDS.overview,
	} as const;
	return [
		alertRule(cfg, { ...base, expr: unwatched(`(${down}) and ${critical}`), severity: 'critical' }),
		alertRule(cfg, { ...base, expr: unwatched(`(${down}) unless ${critical}`), severity: 'warning' }),
	];
}

/**
 * How many of the watch's own intervals may pass without a push: one skipped
 * tick (the previous sweep still running) plus the sweep's own duration stay
 * quiet, a watch that stopped does not.
 */
export const STALE_INTERVALS = 3;

/**
 * `age > limit`, where the limit is a series the node pushed into the same
 * group (what it was given, or runs at, as it runs now) and `fallback` (the
 * config's value) stands in while no such series exists, e.g. pushed by an
 * older node version. `pushed` is the series whose presence decides (the
 * limit itself unless the limit is computed from it). `>` filters, so the
 * value stays the age.
 */
export function olderThanPushed(age: string, limit: string, on: string, fallback: number, pushed = limit): string {
	return `(${age} > on (${on}) ${limit}) or (${age} > ${fallback} unless on (${on}) ${pushed})`;
}

/**
 * n8n stopped watching: no health push for {@link STALE_INTERVALS} × the
 * interval the watch pushes (`ragops_health_check_interval_seconds`, the
 * interval it runs at, announced again at every activation), and never less
 * than `staleAfter`; `staleAfter` alone while no interval is pushed. So an
 * interval edited in the n8n editor needs no regenerated rule. Critical,
 * because while it lasts no health alert can fire for any service — a silent
 * outage of the watcher hides real ones. `max by (job)` so a target removed
 * from the workflow (its stale group left in the Pushgateway) does not alert
 * forever; its interval counts in the `max` too, which errs on the quiet side
 * until the group is deleted.
 */
export function pushesStaleAlerts(cfg: RagopsConfig): AlertingRule[] {
	const after = parseDuration(cfg.healthChecks.staleAfter);
	const age = `time() - max by (job) (push_time_seconds${JOB})`;
	const interval = `max by (job) (${METRICS.healthInterval.name}${JOB})`;
	const limit = `clamp_min(${STALE_INTERVALS} * ${interval}, ${after})`;
	return [
		alertRule(cfg, {
			alert: 'RagOpsHealthPushesStale',
			// The absent branch only while the Pushgateway itself is scraped fine: when it is
			// down every pushed series vanishes, and RagOpsComponentDown says so (warning; the
			// services are still probed by Prometheus directly), not an n8n outage page.
			expr: `${olderThanPushed(age, limit, 'job', after, interval)} or (absent(push_time_seconds${JOB}) ${PUSHGATEWAY_UP})`,
			for: '2m',
			severity: 'critical',
			service: META_SERVICE,
			summary: 'n8n stopped pushing health-check results.',
			description: `No health check has been pushed to the Pushgateway for longer than ${STALE_INTERVALS} × the interval the health watch runs at (at least ${cfg.healthChecks.staleAfter}); n8n is not watching the stack.`,
			dashboard: DASHBOARDS.n8n,
		}),
	];
}
