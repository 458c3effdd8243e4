import type { Sample } from '../shared/exposition';
import { METRICS, PUSH_JOBS } from '../shared/metricCatalog';
import { HEALTH_STATUSES, type HealthStatus } from '../shared/status';
import type { FreshnessManifest } from './manifest';

/**
 * The Pushgateway group of one manifest (job `ragops_freshness`, target = the
 * manifest's name): the catalog's `ragops_freshness_*` metrics, and the only
 * place this node reads the catalog.
 */

export const FRESHNESS_JOB = PUSH_JOBS.freshness;

/** The limits are pushed so the age alerts compare with what the node was given, even after an edit in the editor. */
export function freshnessSamples(
	status: HealthStatus,
	now: Date,
	limits: { warnAfterMs: number; errorAfterMs: number },
	manifest?: FreshnessManifest,
): Sample[] {
	const out: Sample[] = HEALTH_STATUSES.map((s) => ({
		metric: METRICS.freshnessStatus,
		labels: { status: s },
		value: s === status ? 1 : 0,
	}));
	out.push(
		{ metric: METRICS.freshnessLastRun, value: now.getTime() / 1000 },
		{ metric: METRICS.freshnessWarnAfter, value: limits.warnAfterMs / 1000 },
		{ metric: METRICS.freshnessErrorAfter, value: limits.errorAfterMs / 1000 },
	);
	if (manifest) {
		out.push(
			{ metric: METRICS.freshnessAge, value: Math.max(0, (now.getTime() - manifest.generatedAt.getTime()) / 1000) },
			{ metric: METRICS.freshnessGenerated, value: manifest.generatedAt.getTime() / 1000 },
			{ metric: METRICS.freshnessChunks, value: manifest.chunkCount },
			{ metric: METRICS.freshnessDocuments, value: manifest.documentCount },
		);
	}
	return out;
}
