/**
 * The one status model of the package: every check, component and target ends
 * up as `pass`, `warn`, `fail` or `unknown`, and every node that aggregates
 * results (health, freshness, backups) uses the ranking below.
 *
 * The names follow the IETF "Health Check Response Format for HTTP APIs"
 * draft (application/health+json: pass / warn / fail); `unknown` is ours, for
 * a value we could not classify. It ranks above `pass` (it is not a proof of
 * health) but below `warn`, so an unrecognised component status never turns a
 * healthy service into a degraded one on its own, and never hides a real
 * `warn` or `fail`.
 */

export const HEALTH_STATUSES = ['pass', 'warn', 'fail', 'unknown'] as const;

export type HealthStatus = (typeof HEALTH_STATUSES)[number];

const RANK: Record<HealthStatus, number> = { pass: 0, unknown: 1, warn: 2, fail: 3 };

export function statusRank(status: HealthStatus): number {
	return RANK[status];
}

export function isHealthStatus(value: unknown): value is HealthStatus {
	return typeof value === 'string' && (HEALTH_STATUSES as readonly string[]).includes(value);
}

/** The worse of two statuses. */
export function worse(a: HealthStatus, b: HealthStatus): HealthStatus {
	return RANK[b] > RANK[a] ? b : a;
}

/** Worst of a list; `pass` for an empty list (nothing failed). */
export function worstOf(statuses: Iterable<HealthStatus>): HealthStatus {
	let result: HealthStatus = 'pass';
	for (const status of statuses) result = worse(result, status);
	return result;
}

// Spellings seen in the wild: IETF health+json (pass/warn/fail and the older
// ok/up/down it allows for compatibility), Spring Boot / MicroProfile (UP,
// DOWN, OUT_OF_SERVICE), `healthy/degraded/unhealthy` APIs, and Qdrant /
// Elasticsearch collection colours (green/yellow/red, Qdrant's grey).
const PASS_WORDS = new Set(['pass', 'ok', 'up', 'healthy', 'green', 'ready', 'alive', 'available', 'true']);
const WARN_WORDS = new Set(['warn', 'warning', 'degraded', 'yellow', 'grey', 'gray', 'partial']);
const FAIL_WORDS = new Set([
	'fail',
	'failed',
	'failure',
	'error',
	'down',
	'unhealthy',
	'red',
	'critical',
	'out_of_service',
	'unavailable',
	'false',
]);

/**
 * Map a status value as a service reports it (string, boolean) to the model.
 * Anything unrecognised is `unknown`, never silently `pass`.
 */
export function normalizeStatus(value: unknown): HealthStatus {
	if (typeof value === 'boolean') return value ? 'pass' : 'fail';
	if (typeof value !== 'string') return 'unknown';
	const word = value.trim().toLowerCase().replace(/[\s-]+/g, '_');
	if (PASS_WORDS.has(word)) return 'pass';
	if (WARN_WORDS.has(word)) return 'warn';
	if (FAIL_WORDS.has(word)) return 'fail';
	return 'unknown';
}

export interface RatedCheck {
	status: HealthStatus;
	/** A non-critical check that fails only degrades the overall result (warn). */
	critical: boolean;
}

/**
 * Overall status of a set of checks: the worst of the critical ones; a
 * non-critical check that warns or fails makes the result at most `warn`
 * (degraded, not down).
 */
export function overallStatus(checks: Iterable<RatedCheck>): HealthStatus {
	let result: HealthStatus = 'pass';
	for (const check of checks) {
		if (check.critical) {
			result = worse(result, check.status);
		} else if (check.status === 'fail' || check.status === 'warn') {
			result = worse(result, 'warn');
		} else {
			result = worse(result, check.status);
		}
	}
	return result;
}

/** IETF health+json knows only pass/warn/fail: `unknown` is reported as `warn`. */
export function toIetfStatus(status: HealthStatus): 'pass' | 'warn' | 'fail' {
	return status === 'unknown' ? 'warn' : status;
}
