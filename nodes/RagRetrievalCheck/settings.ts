import { NodeOperationError, type IDataObject, type IHttpRequestMethods, type INode } from 'n8n-workflow';

import { JsonPathSyntaxError, parseJsonPath, type PathSegment } from '../shared/jsonPath';
import { isSearchPreset, resolveSearchUrl, SEARCH_PRESETS } from './presets';
import type { SearchSpec } from './transport';
import { isMeasureName, type Threshold } from './verdict';

/**
 * The node's parameters read once per run and validated into plain
 * settings. Configuration mistakes throw NodeOperationError naming the
 * parameter and how to fix it (item 0: these are node-wide settings).
 */

export type ParamReader = (name: string, itemIndex: number, fallback: unknown) => unknown;

export type CaseSource = 'list' | 'items' | 'file';

export interface RetrievalSettings {
	checkName: string;
	caseSource: CaseSource;
	search: SearchSpec;
	authenticate: boolean;
	defaultK: number;
	concurrency: number;
	rboP: number;
	thresholds: Threshold[];
	warnOutput: 'pass' | 'fail';
	output: 'summary' | 'cases';
	maxCaseFileBytes: number;
	push: boolean;
}

interface Options {
	concurrency?: number;
	timeout?: number;
	retries?: number;
	retryDelay?: number;
	maxAnswerSize?: number;
	maxCaseFileSize?: number;
	rboP?: number;
	warnOutput?: string;
	output?: string;
	headers?: string | IDataObject;
	ignoreSsl?: boolean;
}

export const DEFAULT_THRESHOLDS: Threshold[] = [
	{ measure: 'hitRate', warn: 0.9, fail: 0.8 },
	{ measure: 'overlap', warn: 0.8, fail: 0.5 },
	{ measure: 'emptyRatio', warn: 0, fail: 0.2 },
	{ measure: 'errorRatio', warn: 0, fail: 0.2 },
	{ measure: 'violationRatio', warn: 0, fail: 0 },
];

function num(value: unknown, fallback: number): number {
	return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function describePath(path: PathSegment[]): string {
	return `$${path.map((s) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)).join('')}`;
}

export function readSettings(node: INode, param: ParamReader): RetrievalSettings {
	const fail = (message: string, description: string) => new NodeOperationError(node, message, { itemIndex: 0, description });
	const options = (param('options', 0, {}) as Options) ?? {};

	const presetName = String(param('searchPreset', 0, 'ragApi'));
	if (!isSearchPreset(presetName)) {
		throw fail(`Unknown search preset "${presetName}"`, `Use one of: ${Object.keys(SEARCH_PRESETS).join(', ')}.`);
	}
	const preset = SEARCH_PRESETS[presetName];
	const custom = presetName === 'custom';
	const rawUrl = String(param('url', 0, '') ?? '').trim();
	const vectorStoreId = String(param('vectorStoreId', 0, '') ?? '').trim();
	if (presetName === 'openaiVectorStore' && !vectorStoreId && !/\/vector_stores\//.test(rawUrl)) {
		throw fail('Vector Store ID is empty', 'Set "Vector Store ID" to the ID of the OpenAI vector store (vs_…).');
	}
	let url: string;
	try {
		url = resolveSearchUrl(rawUrl, preset, vectorStoreId);
	} catch {
		throw fail(`Search URL "${rawUrl}" is not a valid http(s) URL`, 'Give the full URL with scheme and host, for example http://rag-api:8000 or https://search.example.com/v1/search.');
	}

	const method = (custom ? String(param('method', 0, 'POST')) : preset.method) as IHttpRequestMethods;
	if (method !== 'GET' && method !== 'POST') throw fail(`Unsupported method "${method}"`, 'Use GET or POST.');
	let bodyTemplate: unknown;
	if (method === 'POST') {
		const rawBody = custom ? param('bodyTemplate', 0, preset.body) : preset.body;
		if (typeof rawBody === 'string') {
			try {
				bodyTemplate = JSON.parse(rawBody);
			} catch (error) {
				throw fail(`Body Template is not valid JSON: ${(error as Error).message}`, 'Write the body as JSON with "{query}" and "{k}" where the query and k go, for example {"query": "{query}", "top_k": "{k}"}.');
			}
		} else bodyTemplate = rawBody;
	}

	const path = (name: string, label: string, fallback: string, required: boolean): PathSegment[] | undefined => {
		const raw = String((custom ? param(name, 0, fallback) : fallback) ?? '').trim();
		if (raw === '') {
			if (required) throw fail(`${label} is empty`, `Set "${label}" to where the value is in the answer, for example ${fallback || 'results'}.`);
			return undefined;
		}
		try {
			return parseJsonPath(raw);
		} catch (error) {
			const detail = error instanceof JsonPathSyntaxError ? error.message : String(error);
			throw fail(`${label} "${raw}" is not a valid JSON path: ${detail}`, 'Use a dotted path such as data or result.hits, with [0] for array positions.');
		}
	};

	let headers: Record<string, string> = {};
	const rawHeaders = options.headers;
	if (rawHeaders !== undefined && rawHeaders !== '') {
		let parsed: unknown = rawHeaders;
		if (typeof rawHeaders === 'string') {
			try {
				parsed = JSON.parse(rawHeaders);
			} catch {
				parsed = undefined;
			}
		}
		if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
			throw fail('Headers are not a JSON object', 'Write the headers as JSON, for example {"X-Tenant": "docs"}. Put secrets in the RAG Service credential instead.');
		}
		headers = Object.fromEntries(Object.entries(parsed as IDataObject).map(([k, v]) => [k, String(v)]));
	}

	const defaultK = Math.floor(num(param('defaultK', 0, 5), 5));
	if (defaultK < 1 || defaultK > 1000) throw fail(`k must be from 1 to 1000, got ${defaultK}`, 'Set "K" to the number of results a case looks at, for example 5.');
	if (presetName === 'openaiVectorStore' && defaultK > 50) {
		throw fail(`k must be at most 50 for OpenAI vector-store search, got ${defaultK}`, 'OpenAI accepts max_num_results from 1 to 50: lower "K".');
	}
	const rboP = num(options.rboP, 0.9);
	if (!(rboP > 0 && rboP < 1)) throw fail(`RBO persistence must be strictly between 0 and 1, got ${rboP}`, 'Use 0.9 (the top 10 ranks carry ~86% of the weight) unless you have a reason.');

	// The description's default holds DEFAULT_THRESHOLDS; a user who removes every threshold gets none.
	const rawThresholds = ((param('thresholds', 0, {}) as IDataObject | undefined)?.threshold ?? []) as Array<{ measure?: string; warn?: number; fail?: number }>;
	if (!Array.isArray(rawThresholds)) throw fail('Thresholds are not a list', 'Add thresholds under "Thresholds", one measure each.');
	const thresholds: Threshold[] = rawThresholds.map((t, i) => {
		const measure = String(t.measure ?? '');
		if (!isMeasureName(measure)) throw fail(`Threshold ${i + 1}: unknown measure "${measure}"`, 'Pick a measure from the list.');
		return { measure, warn: num(t.warn, 0), fail: num(t.fail, 0) };
	});

	const checkName = String(param('checkName', 0, 'default') ?? '').trim();
	if (checkName === '') throw fail('Golden Set Name is empty', 'Give the golden set a stable name: it is the target label of the pushed metrics.');

	return {
		checkName,
		caseSource: String(param('caseSource', 0, 'list')) as CaseSource,
		search: {
			method,
			url,
			bodyTemplate,
			headers,
			resultsPath: path('resultsPath', 'Results Path', preset.resultsPath, true)!,
			idPath: path('idPath', 'ID Path', preset.idPath, true)!,
			scorePath: path('scorePath', 'Score Path', preset.scorePath, false),
			textPath: path('textPath', 'Text Path', preset.textPath, false),
			timeoutMs: Math.max(100, num(options.timeout, 10_000)),
			maxBodyBytes: Math.max(1, Math.floor(num(options.maxAnswerSize, 1024))) * 1024,
			retries: Math.max(0, Math.floor(num(options.retries, 1))),
			retryDelayMs: Math.max(0, num(options.retryDelay, 250)),
			skipTlsVerify: options.ignoreSsl === true,
		},
		authenticate: String(param('authentication', 0, 'none')) === 'ragServiceApi',
		defaultK,
		concurrency: Math.max(1, Math.floor(num(options.concurrency, 10))),
		rboP,
		thresholds,
		warnOutput: options.warnOutput === 'fail' ? 'fail' : 'pass',
		output: options.output === 'cases' ? 'cases' : 'summary',
		maxCaseFileBytes: Math.max(1, Math.floor(num(options.maxCaseFileSize, 5120))) * 1024,
		push: param('pushMetrics', 0, false) === true,
	};
}
