/**
 * Alerts from the RAG Health Check node's pushes. The node already debounces
 * (a target is DOWN after N consecutive failures), so `for` stays short. The
 * severity follows the target's own `critical` flag as pushed, so a user marks
 * criticality once, in the workflow.
 */
import type { RagopsConfig } from '../../config/schema';
import { parseDuration } from '../../duration';
import { METRICS, PUSH_JOBS } from '../../../nodes/shared/metricCatalog';
import { alertRule, DASHBOARDS, META_SERVICE, q, targetAsService, type AlertingRule } from './model';

const JOB = `{job=${q(PUSH_JOBS.health)}}`;

export function healthAlerts(cfg: RagopsConfig): AlertingRule[] {
	const down = `${METRICS.healthUp.name}${JOB} == 0`;
	const critical = `on (target) (${METRICS.healthCritical.name}${JOB} == 1)`;
	const base = {
		alert: 'RagHealthTargetDown',
		for: '1m',
		summary: 'A health-checked target is DOWN.',
		description: 'n8n’s health check reports {{ $labels.target }} DOWN (debounced over consecutive failed checks).',
		dashboard: DASHBOARDS.overview,
	} as const;
	return [
		alertRule(cfg, { ...base, expr: targetAsService(`(${down}) and ${critical}`), severity: 'critical' }),
		alertRule(cfg, { ...base, expr: targetAsService(`(${down}) unless ${critical}`), severity: 'warning' }),
	];
}

/**
 * n8n stopped watching: no health push for `staleAfter`. Critical, because
 * while it lasts no health alert can fire for any service — a silent outage of
 * the watcher hides real ones. `max by (job)` so a target removed from the
 * workflow (its stale group left in the Pushgateway) does not alert forever.
 */
export function pushesStaleAlerts(cfg: RagopsConfig): AlertingRule[] {
	const after = parseDuration(cfg.healthChecks.staleAfter);
	return [
		alertRule(cfg, {
			alert: 'RagOpsHealthPushesStale',
			expr: `time() - max by (job) (push_time_seconds${JOB}) > ${after} or absent(push_time_seconds${JOB})`,
			for: '2m',
			severity: 'critical',
			service: META_SERVICE,
			summary: 'n8n stopped pushing health-check results.',
			description: `No health check has been pushed to the Pushgateway for more than ${cfg.healthChecks.staleAfter} (checks run every ${cfg.healthChecks.every}); n8n is not watching the stack.`,
			dashboard: DASHBOARDS.n8n,
		}),
	];
}
