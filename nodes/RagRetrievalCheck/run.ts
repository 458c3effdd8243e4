import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type IPairedItemData } from 'n8n-workflow';

import { mapWithConcurrency } from '../shared/concurrency';
import { getJsonPath } from '../shared/jsonPath';
import type { HttpRequestFn } from '../shared/probe';
import { pushMetrics, type PushOutcome } from '../shared/pushgateway';
import { detectFormat, parseCaseFile, validateCases, type CaseFileFormat, type CaseProblem, type GoldenCase } from './cases';
import { forbiddenFound, mean, measureCase, percentile, rankBiasedOverlap, ratio, topK, type CaseMeasures } from './measures';
import { RETRIEVAL_JOB, retrievalSamples } from './metrics';
import { describePath, type RetrievalSettings } from './settings';
import { fetchCaseFile, search, type SearchOutcome, type SearchResult } from './transport';
import { verdictOf, type MeasureName, type Verdict } from './verdict';

/**
 * One run of a golden set: load and validate the cases, call the search API
 * for each (concurrently, under the limit), measure, compare with the
 * baseline, grade, push, and shape the items. Everything that needs the n8n
 * context is passed in, so the logic is the same under test and in n8n.
 */

export interface PlannedCase {
	goldenCase: GoldenCase;
	position: number;
	/** Input item the case came from (0 for the node's list or a file). */
	itemIndex: number;
	/** Baseline ids carried by the case itself (a `baseline` field), if any. */
	baseline?: string[];
}

export interface LoadedCases {
	planned: PlannedCase[];
	problems: Array<CaseProblem & { itemIndex: number }>;
}

function operationError(ctx: IExecuteFunctions, message: string, description: string, itemIndex = 0): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), message, { itemIndex, description });
}

/** Baseline ids from a case's own `baseline` field (null prototype objects included). */
function caseBaseline(raw: unknown): string[] | undefined {
	if (typeof raw !== 'object' || raw === null || !Object.prototype.hasOwnProperty.call(raw, 'baseline')) return undefined;
	const value = (raw as IDataObject).baseline;
	if (!Array.isArray(value)) return undefined;
	return value.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number').map(String);
}

async function caseFileText(ctx: IExecuteFunctions, settings: RetrievalSettings, request: HttpRequestFn, items: INodeExecutionData[]): Promise<{ text: string; format: CaseFileFormat }> {
	const formatParam = String(ctx.getNodeParameter('fileFormat', 0, 'auto'));
	const fileSource = String(ctx.getNodeParameter('fileSource', 0, 'binary'));
	let text: string;
	let name = '';
	let mime = '';
	if (fileSource === 'url') {
		const url = String(ctx.getNodeParameter('fileUrl', 0, '')).trim();
		if (!/^https?:\/\/[^/]/i.test(url)) {
			throw operationError(ctx, `Case File URL "${url}" is not an http(s) URL`, 'Set "Case File URL" to the address of the golden set, for example https://example.com/golden.jsonl.');
		}
		const fetched = await fetchCaseFile(request, url, { timeoutMs: settings.search.timeoutMs, maxBytes: settings.maxCaseFileBytes, signal: ctx.getExecutionCancelSignal?.() });
		if ('error' in fetched) throw operationError(ctx, `Cannot read the case file: ${fetched.error}`, 'Check the URL and that it answers the file with HTTP 200; raise "Max Case File Size" for a bigger file.');
		text = fetched.text;
		name = new URL(url).pathname;
		mime = fetched.contentType;
	} else {
		const prop = String(ctx.getNodeParameter('binaryProperty', 0, 'data'));
		const binary = items[0]?.binary?.[prop];
		if (!binary) {
			throw operationError(ctx, `The input item has no binary field "${prop}"`, `Connect a node that outputs the case file (Read/Write Files from Disk, HTTP Request, S3…) and set "Input Binary Field" to its name (found: ${Object.keys(items[0]?.binary ?? {}).join(', ') || 'none'}).`);
		}
		const buffer = await ctx.helpers.getBinaryDataBuffer(0, prop);
		if (buffer.length > settings.maxCaseFileBytes) {
			throw operationError(ctx, `The case file is ${buffer.length} bytes, more than the ${settings.maxCaseFileBytes} allowed`, 'Raise "Max Case File Size" or split the golden set.');
		}
		try {
			text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
		} catch {
			throw operationError(ctx, 'The case file is not valid UTF-8 text', 'Save the golden set as UTF-8 JSON, JSONL or CSV.');
		}
		name = binary.fileName ?? '';
		mime = binary.mimeType ?? '';
	}
	const format = formatParam === 'auto' ? detectFormat(text, name, mime) : (formatParam as CaseFileFormat);
	return { text, format };
}

/** Every golden case of the run, validated; problems name the case's position and id. */
export async function loadCases(ctx: IExecuteFunctions, settings: RetrievalSettings, request: HttpRequestFn, items: INodeExecutionData[]): Promise<LoadedCases> {
	let raws: Array<{ raw: unknown; itemIndex: number }>;
	if (settings.caseSource === 'items') {
		const field = String(ctx.getNodeParameter('caseField', 0, '')).trim();
		raws = items.map((item, itemIndex) => {
			if (field === '') return { raw: item.json, itemIndex };
			let found;
			try {
				found = getJsonPath(item.json, field);
			} catch (error) {
				throw operationError(ctx, `Case Field "${field}" is not a valid JSON path`, `Use a dotted path such as golden.case (${(error as Error).message}).`);
			}
			return { raw: found.found ? found.value : undefined, itemIndex };
		});
	} else if (settings.caseSource === 'file') {
		const { text, format } = await caseFileText(ctx, settings, request, items);
		const parsed = parseCaseFile(text, format);
		if ('error' in parsed) {
			throw operationError(ctx, `Cannot read the case file (${format}): ${parsed.error}`, 'Fix the file, or set "File Format" if it was guessed wrong. docs/nodes/rag-retrieval-check.md shows each format.');
		}
		raws = parsed.raws.map((raw) => ({ raw, itemIndex: 0 }));
	} else {
		const list = ((ctx.getNodeParameter('cases', 0, {}) as IDataObject).case ?? []) as IDataObject[];
		// The list's K field is a number field: 0 there means "the node's K".
		raws = list.map((raw) => ({ raw: raw.k === 0 ? { ...raw, k: undefined } : raw, itemIndex: 0 }));
	}
	const { cases, problems } = validateCases(raws.map((r) => r.raw));
	return {
		planned: cases.map(({ goldenCase, position }) => ({ goldenCase, position, itemIndex: raws[position - 1].itemIndex, baseline: caseBaseline(raws[position - 1].raw) })),
		problems: problems.map((p) => ({ ...p, itemIndex: raws[p.position - 1].itemIndex })),
	};
}

/**
 * The baseline given to the node: the `baseline` list a previous run output
 * (`[{caseId, ids}]`), that run's whole summary item, or the same as JSON
 * text. Case ids key a Map, never an object.
 */
export function parseBaseline(value: unknown): Map<string, string[]> | { error: string } {
	const map = new Map<string, string[]>();
	if (value === undefined || value === null || value === '') return map;
	let parsed: unknown = value;
	if (typeof value === 'string') {
		try {
			parsed = JSON.parse(value);
		} catch (error) {
			return { error: `the baseline is not valid JSON (${(error as Error).message})` };
		}
	}
	if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.prototype.hasOwnProperty.call(parsed, 'baseline')) {
		parsed = (parsed as IDataObject).baseline;
	}
	if (!Array.isArray(parsed)) return { error: 'the baseline must be the "baseline" list of an earlier run: [{"caseId": "…", "ids": ["…"]}, …]' };
	for (let i = 0; i < parsed.length; i++) {
		const entry: unknown = parsed[i];
		const caseId = typeof entry === 'object' && entry !== null ? (entry as IDataObject).caseId : undefined;
		const ids = typeof entry === 'object' && entry !== null ? (entry as IDataObject).ids : undefined;
		if ((typeof caseId !== 'string' && typeof caseId !== 'number') || !Array.isArray(ids) || !ids.every((id) => typeof id === 'string' || typeof id === 'number')) {
			return { error: `baseline entry ${i + 1} must be {"caseId": text, "ids": [ids]}` };
		}
		map.set(String(caseId), ids.map(String));
	}
	return map;
}

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
	if (pushed) {
		run.metrics = { pushed: pushed.pushed, url: pushed.url };
		if (pushed.warning) run.warnings = [pushed.warning];
	}
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
