import type { Sample } from '../shared/exposition';
import { METRICS, PUSH_JOBS } from '../shared/metricCatalog';
import { HEALTH_STATUSES, type HealthStatus } from '../shared/status';

/**
 * The Pushgateway group of one golden set (job `ragops_retrieval`, target =
 * the golden set's name): the catalog's `ragops_retrieval_*` metrics, and the
 * only place this node reads the catalog. Measures not taken are left out.
 */

export const RETRIEVAL_JOB = PUSH_JOBS.retrieval;

export interface RetrievalRunFigures {
	status: HealthStatus;
	cases: number;
	k: number;
	hitRate: number | null;
	recall: number | null;
	mrr: number | null;
	ndcg: number | null;
	overlap: number | null;
	emptyRatio: number | null;
	errorRatio: number | null;
	latencyMs: { p50: number | null; p95: number | null; max: number | null };
	checkedAt: number;
}

export function retrievalSamples(run: RetrievalRunFigures): Sample[] {
	const samples: Sample[] = [
		...HEALTH_STATUSES.map((state) => ({ metric: METRICS.retrievalStatus, labels: { status: state }, value: state === run.status ? 1 : 0 })),
		{ metric: METRICS.retrievalCases, value: run.cases },
		{ metric: METRICS.retrievalK, value: run.k },
		{ metric: METRICS.retrievalLastRun, value: Math.floor(run.checkedAt / 1000) },
	];
	const optional: Array<[Sample['metric'], number | null]> = [
		[METRICS.retrievalHitRate, run.hitRate],
		[METRICS.retrievalRecall, run.recall],
		[METRICS.retrievalMrr, run.mrr],
		[METRICS.retrievalNdcg, run.ndcg],
		[METRICS.retrievalOverlap, run.overlap],
		[METRICS.retrievalEmptyRatio, run.emptyRatio],
		[METRICS.retrievalErrorRatio, run.errorRatio],
		[METRICS.retrievalLatencyP50, run.latencyMs.p50 === null ? null : run.latencyMs.p50 / 1000],
		[METRICS.retrievalLatencyP95, run.latencyMs.p95 === null ? null : run.latencyMs.p95 / 1000],
		[METRICS.retrievalLatencyMax, run.latencyMs.max === null ? null : run.latencyMs.max / 1000],
	];
	for (const [metric, value] of optional) if (value !== null) samples.push({ metric, value });
	return samples;
}
