import type { IDataObject, IExecuteFunctions, INodeExecutionData, IPairedItemData } from 'n8n-workflow';

import { pushMetrics, recordPush, type PushOutcome } from '../shared/pushgateway';
import type { LoadedCases } from './loadCases';
import { RETRIEVAL_JOB, retrievalSamples } from './metrics';
import type { CaseRun, RunSummary } from './run';
import type { RetrievalSettings } from './settings';
import type { Verdict } from './verdict';

/** What a run leaves behind: the Pushgateway group, and the items routed to Pass or Fail. */

const round = (n: number | null, digits = 4): number | null => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);

function caseJson(run: CaseRun): IDataObject {
	const c = run.planned.goldenCase;
	const json: IDataObject = {
		caseId: c.id,
		position: run.planned.position,
		query: c.query,
		k: run.k,
		status: run.outcome.error ? 'error' : run.measures ? (run.measures.hit ? 'hit' : 'miss') : 'unlabelled',
		latencyMs: run.outcome.durationMs,
		attempts: run.outcome.attempts,
		statusCode: run.outcome.statusCode ?? null,
		rankedIds: run.rankedIds,
		results: run.considered.map((r, i) => ({ rank: i + 1, id: r.id, score: r.score, text: r.text })),
	};
	if (c.expected.length) {
		json.expected = c.expected;
		json.match = c.match;
	}
	if (run.measures) {
		json.hit = run.measures.hit;
		json.recall = round(run.measures.recall);
		json.reciprocalRank = round(run.measures.reciprocalRank);
		json.ndcg = round(run.measures.ndcg);
		json.found = run.measures.found;
		json.missing = run.measures.missing;
	}
	if (c.mustNotContain.length) {
		json.mustNotContain = c.mustNotContain;
		json.forbiddenFound = run.forbidden;
	}
	if (c.minScore !== undefined) json.minScore = c.minScore;
	if (run.overlap !== null) json.overlap = round(run.overlap);
	if (run.baselineIds) json.baselineIds = run.baselineIds;
	if (run.outcome.error) json.error = run.outcome.error as unknown as IDataObject;
	return json;
}

const fmt = (n: number | null, digits = 2) => (n === null ? 'n/a' : n.toFixed(digits));

/** One sentence for a person or an AI agent: the verdict, why, and the headline figures. */
export function compactMessage(settings: RetrievalSettings, summary: RunSummary, verdict: Verdict): string {
	const v = summary.values;
	const figures = [
		`${summary.cases} cases`,
		summary.labelled ? `hit rate@${settings.defaultK} ${fmt(v.hitRate)}, recall ${fmt(v.recall)}, MRR ${fmt(v.mrr)}, nDCG ${fmt(v.ndcg)}` : 'no labelled cases',
		summary.comparedToBaseline ? `overlap ${fmt(v.overlap)} over ${summary.comparedToBaseline}` : 'no baseline',
		summary.errors ? `${summary.errors} errors` : '',
		summary.latencyMs.p95 !== null ? `p95 ${Math.round(summary.latencyMs.p95)} ms` : '',
	].filter(Boolean);
	return `${verdict.status}${verdict.reasons.length ? ` (${verdict.reasons.join('; ')})` : ''}: ${figures.join(', ')}`;
}

export interface RunOutput {
	pass: INodeExecutionData[];
	fail: INodeExecutionData[];
}

/** Push the run's figures (a side channel: a failed push is a warning on the items). */
export async function pushRun(ctx: IExecuteFunctions, settings: RetrievalSettings, summary: RunSummary, verdict: Verdict, now: number): Promise<PushOutcome | undefined> {
	if (!settings.push) return undefined;
	return await pushMetrics(ctx, 0, {
		job: RETRIEVAL_JOB,
		target: settings.checkName,
		samples: retrievalSamples({
			status: verdict.status,
			cases: summary.cases,
			k: settings.defaultK,
			hitRate: summary.values.hitRate,
			recall: summary.values.recall,
			mrr: summary.values.mrr,
			ndcg: summary.values.ndcg,
			overlap: summary.values.overlap,
			emptyRatio: summary.values.emptyRatio,
			errorRatio: summary.values.errorRatio,
			latencyMs: summary.latencyMs,
			checkedAt: now,
		}),
	});
}

/** The items of a run, routed to Pass or Fail by the verdict. */
export function runItems(
	settings: RetrievalSettings,
	loaded: LoadedCases,
	runs: CaseRun[],
	summary: RunSummary,
	verdict: Verdict,
	pushed: PushOutcome | undefined,
	now: number,
	inputCount: number,
): RunOutput {
	const passed = verdict.status === 'pass' || (verdict.status === 'warn' && settings.warnOutput === 'pass');
	const v = summary.values;
	const run: IDataObject = {
		status: verdict.status,
		message: compactMessage(settings, summary, verdict),
		goldenSet: settings.checkName,
		checkedAt: new Date(now).toISOString(),
		k: settings.defaultK,
		cases: summary.cases,
		labelledCases: summary.labelled,
		answeredCases: summary.answered,
		errors: summary.errors,
		invalidCases: loaded.problems.length,
		hitRate: round(v.hitRate),
		recall: round(v.recall),
		mrr: round(v.mrr),
		ndcg: round(v.ndcg),
		overlap: round(v.overlap),
		minOverlap: round(summary.minOverlap),
		comparedToBaseline: summary.comparedToBaseline,
		emptyRatio: round(v.emptyRatio),
		errorRatio: round(v.errorRatio),
		violationRatio: round(v.violationRatio),
		latencyMs: summary.latencyMs as unknown as IDataObject,
		checks: verdict.checks.map((c) => ({ ...c, value: round(c.value) })) as unknown as IDataObject[],
	};
	if (pushed) recordPush(run, pushed);
	const baseline = runs.filter((r) => r.outcome.results !== undefined).map((r) => ({ caseId: r.planned.goldenCase.id, ids: r.rankedIds }));
	const out: RunOutput = { pass: [], fail: [] };
	const target = passed ? out.pass : out.fail;
	if (settings.output === 'cases') {
		for (const r of runs) target.push({ json: { ...caseJson(r), run }, pairedItem: { item: r.planned.itemIndex } });
	} else {
		const pairedItem: IPairedItemData[] =
			settings.caseSource === 'items' ? Array.from({ length: inputCount }, (_v, item) => ({ item })) : [{ item: 0 }];
		target.push({ json: { ...run, baseline, caseResults: runs.map(caseJson) }, pairedItem: pairedItem.length === 1 ? pairedItem[0] : pairedItem });
	}
	for (const p of loaded.problems) {
		out.fail.push({ json: { status: 'fail', error: p.message, casePosition: p.position, caseId: p.caseId ?? null, goldenSet: settings.checkName }, pairedItem: { item: p.itemIndex } });
	}
	return out;
}

const MAX_TOOL_CASES = 10;

/**
 * The run as an AI agent sees it. n8n runs a node used as a tool under the
 * type `<name>Tool` with a single output and hands the agent only the items
 * of output 0 (`mapResult` in n8n-core's get-input-connection-data), so a
 * Fail on output 1 would reach it as nothing. Here every item goes to output
 * 0, compacted: the verdict, the measures, and the worst cases (misses and
 * errors first), without per-result detail or the baseline.
 */
export function toolItems(out: RunOutput): RunOutput {
	const items = [...out.pass, ...out.fail].map((item): INodeExecutionData => {
		const json = item.json;
		if (!Array.isArray(json.caseResults) && json.run === undefined) return item;
		if (json.run !== undefined) {
			// One item per case: keep the case's headline only.
			const { caseId, query, status, recall, reciprocalRank, overlap, missing, error, run } = json;
			return { json: { caseId, query, status, recall, reciprocalRank, overlap, missing, error, verdict: (run as IDataObject).status }, pairedItem: item.pairedItem };
		}
		const cases = json.caseResults as IDataObject[];
		const worst = cases
			.filter((c) => c.status === 'miss' || c.status === 'error' || (Array.isArray(c.forbiddenFound) && c.forbiddenFound.length > 0))
			.slice(0, MAX_TOOL_CASES)
			.map((c) => ({ caseId: c.caseId, query: c.query, status: c.status, missing: c.missing, forbiddenFound: c.forbiddenFound, error: (c.error as IDataObject | undefined)?.message }));
		const { baseline: _baseline, caseResults: _caseResults, checks, ...summary } = json;
		return {
			json: { ...summary, checksNotPassing: (checks as IDataObject[]).filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => c.message), worstCases: worst },
			pairedItem: item.pairedItem,
		};
	});
	return { pass: items, fail: [] };
}
