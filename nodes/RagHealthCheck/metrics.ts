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
	/** The watch's interval, when a schedule of its own runs the checks (the trigger); unknown to the action node. */
	intervalSeconds?: number;
}): Sample[] {
	const interval = result.intervalSeconds === undefined ? [] : [{ metric: METRICS.healthInterval, value: result.intervalSeconds }];
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
		...interval,
	];
}

/**
 * What the watch pushes into every target's group when it is (re)activated:
 * only its interval, merged (POST) so the group's check results stay. The
 * push also renews the group's `push_time_seconds`, and that is the point: a
 * watch just edited from 30 s to 10 min has its next sweep up to 10 min
 * away, and without this the staleness rule would still measure that wait
 * against the old interval.
 */
export function intervalSamples(intervalSeconds: number): Sample[] {
	return [{ metric: METRICS.healthInterval, value: intervalSeconds }];
}
