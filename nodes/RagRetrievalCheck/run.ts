import { mapWithConcurrency } from '../shared/concurrency';
import type { HttpRequestFn } from '../shared/probe';
import type { PlannedCase } from './loadCases';
import { forbiddenFound, mean, measureCase, percentile, rankBiasedOverlap, ratio, topK, type CaseMeasures } from './measures';
import { describePath, type RetrievalSettings } from './settings';
import { search, type SearchOutcome, type SearchResult } from './transport';
import type { MeasureName } from './verdict';

/**
 * One run of a golden set: call the search API for each case (concurrently,
 * under the limit), measure each case, compare it with its baseline, and sum
 * the run up. The HTTP function is passed in, so this is the same under test
 * and in n8n.
 */

export interface CaseRun {
	planned: PlannedCase;
	k: number;
	outcome: SearchOutcome;
	/** The results considered: the first k, minus those under the case's minimum score. */
	considered: SearchResult[];
	/** Ids of `considered` in rank order, without duplicates or id-less results: the next baseline. */
	rankedIds: string[];
	measures: CaseMeasures | null;
	/** Must-not-contain ids among `rankedIds`. */
	forbidden: string[];
	overlap: number | null;
	baselineIds?: string[];
}

function considerResults(results: SearchResult[], k: number, minScore?: number): SearchResult[] {
	const top = results.slice(0, k);
	return minScore === undefined ? top : top.filter((r) => r.score !== null && r.score >= minScore);
}

export async function runCases(
	request: HttpRequestFn,
	settings: RetrievalSettings,
	planned: PlannedCase[],
	baseline: Map<string, string[]>,
	signal?: AbortSignal,
): Promise<CaseRun[]> {
	return await mapWithConcurrency(planned, settings.concurrency, async (p): Promise<CaseRun> => {
		const { goldenCase } = p;
		const k = goldenCase.k ?? settings.defaultK;
		const outcome = await search(request, settings.search, goldenCase.query, k, describePath, signal);
		const baselineIds = p.baseline ?? baseline.get(goldenCase.id);
		if (!outcome.results) return { planned: p, k, outcome, considered: [], rankedIds: [], measures: null, forbidden: [], overlap: null, baselineIds };
		const considered = considerResults(outcome.results, k, goldenCase.minScore);
		const ids = considered.map((r) => r.id);
		const rankedIds = topK(ids, k).filter((id): id is string => id !== null);
		const measures = goldenCase.expected.length > 0 ? measureCase(ids, goldenCase.expected, k, goldenCase.match) : null;
		const forbidden = forbiddenFound(ids, goldenCase.mustNotContain, k);
		const overlap = baselineIds ? rankBiasedOverlap(rankedIds, baselineIds.slice(0, k), settings.rboP) : null;
		return { planned: p, k, outcome, considered, rankedIds, measures, forbidden, overlap, baselineIds };
	});
}

export interface RunSummary {
	values: Record<MeasureName, number | null>;
	cases: number;
	labelled: number;
	answered: number;
	errors: number;
	comparedToBaseline: number;
	minOverlap: number | null;
	latencyMs: { p50: number | null; p95: number | null; max: number | null };
}

export function summarize(runs: CaseRun[]): RunSummary {
	const answered = runs.filter((r) => r.outcome.results !== undefined);
	const labelled = answered.filter((r) => r.measures !== null);
	const compared = answered.filter((r) => r.overlap !== null);
	const withForbidden = answered.filter((r) => r.planned.goldenCase.mustNotContain.length > 0);
	const timed = runs.filter((r) => r.outcome.statusCode !== undefined).map((r) => r.outcome.durationMs);
	const latencyMs = { p50: percentile(timed, 0.5), p95: percentile(timed, 0.95), max: timed.length ? Math.max(...timed) : null };
	const overlaps = compared.map((r) => r.overlap as number);
	return {
		values: {
			hitRate: mean(labelled.map((r) => (r.measures!.hit ? 1 : 0))),
			recall: mean(labelled.map((r) => r.measures!.recall)),
			mrr: mean(labelled.map((r) => r.measures!.reciprocalRank)),
			ndcg: mean(labelled.map((r) => r.measures!.ndcg)),
			overlap: mean(overlaps),
			emptyRatio: ratio(answered.filter((r) => r.considered.length === 0).length, answered.length),
			errorRatio: ratio(runs.length - answered.length, runs.length),
			violationRatio: ratio(withForbidden.filter((r) => r.forbidden.length > 0).length, withForbidden.length),
			latencyP95Ms: latencyMs.p95,
		},
		cases: runs.length,
		labelled: labelled.length,
		answered: answered.length,
		errors: runs.length - answered.length,
		comparedToBaseline: compared.length,
		minOverlap: overlaps.length ? Math.min(...overlaps) : null,
		latencyMs,
	};
}
