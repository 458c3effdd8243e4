import type { Sample } from '../shared/exposition';
import { METRICS, PUSH_JOBS } from '../shared/metricCatalog';
import { HEALTH_STATUSES, type HealthStatus } from '../shared/status';

/**
 * The Pushgateway group of one health-check target (job `ragops_health`,
 * target = the target's name): the metrics named in the catalog, nothing else,
 * and the only place the health check (and its watch trigger) reads the catalog.
 */

export const HEALTH_JOB = PUSH_JOBS.health;

export function healthSamples(result: {
	status: HealthStatus;
	up: boolean;
	critical: boolean;
	responseTimeMs: number;
	consecutiveFailures: number;
	checkedAt: number;
}): Sample[] {
	return [
		{ metric: METRICS.healthUp, value: result.up ? 1 : 0 },
		...HEALTH_STATUSES.map((state) => ({
			metric: METRICS.healthStatus,
			labels: { status: state },
			value: state === result.status ? 1 : 0,
		})),
		{ metric: METRICS.healthCritical, value: result.critical ? 1 : 0 },
		{ metric: METRICS.healthResponseTime, value: Math.max(0, result.responseTimeMs) / 1000 },
		{ metric: METRICS.healthConsecutiveFailures, value: result.consecutiveFailures },
		{ metric: METRICS.healthLastRun, value: Math.floor(result.checkedAt / 1000) },
	];
}
