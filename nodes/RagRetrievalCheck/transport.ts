import type { IExecuteFunctions, IHttpRequestMethods } from 'n8n-workflow';

import { retryWithBackoff } from '../shared/backoff';
import { parseBody } from '../shared/conditions';
import { getJsonPath, type PathSegment } from '../shared/jsonPath';
import { isRetryableResult, probe, type HttpRequestFn, type ProbeResult } from '../shared/probe';

/**
 * The one place the node talks HTTP: the search calls (through the shared
 * probe, so every call has an overall deadline, a bounded body and retries
 * for what is worth retrying) and the download of a case file. The answer is
 * read here too, into plain ranked results; nothing here throws for what a
 * server says: every failure comes back as a value the run reports.
 */

export const CREDENTIAL_TYPE = 'ragServiceApi';

/** The node's HTTP function, with or without this package's RAG service credential. */
export function requestFor(ctx: IExecuteFunctions, authenticate: boolean): HttpRequestFn {
	return authenticate
		? async (options) => await ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, options)
		: async (options) => await ctx.helpers.httpRequest(options);
}

/** How to call the search API and read its answer (validated settings). */
export interface SearchSpec {
	method: IHttpRequestMethods;
	/** URL text with optional `{query}` / `{k}` placeholders. */
	url: string;
	/** Parsed JSON body template (POST), or undefined for none. */
	bodyTemplate?: unknown;
	headers: Record<string, string>;
	resultsPath: PathSegment[];
	idPath: PathSegment[];
	scorePath?: PathSegment[];
	textPath?: PathSegment[];
	timeoutMs: number;
	maxBodyBytes: number;
	retries: number;
	retryDelayMs: number;
	skipTlsVerify: boolean;
}

export interface SearchResult {
	/** Null when the result had no usable id at the id path. */
	id: string | null;
	score: number | null;
	text: string | null;
}

export interface SearchOutcome {
	results?: SearchResult[];
	statusCode?: number;
	/** Wall time of the last attempt, ms. */
	durationMs: number;
	attempts: number;
	error?: { code: string; message: string };
}

/**
 * Fill the body template for one case: every string value has `{query}`
 * replaced by the query text and `{k}` by k; a value that is exactly "{k}"
 * becomes the number. Built as a value and serialized, so a query holding
 * quotes or backslashes cannot change the body's structure.
 */
export function fillTemplate(template: unknown, query: string, k: number): unknown {
	if (typeof template === 'string') {
		if (template === '{k}') return k;
		return template.split('{query}').join(query).split('{k}').join(String(k));
	}
	if (Array.isArray(template)) return template.map((v) => fillTemplate(v, query, k));
	if (typeof template === 'object' && template !== null) {
		const out: Record<string, unknown> = {};
		for (const [key, value] of Object.entries(template)) {
			// defineProperty, not assignment: a template key "__proto__" stays a key.
			Object.defineProperty(out, key, { value: fillTemplate(value, query, k), enumerable: true, writable: true, configurable: true });
		}
		return out;
	}
	return template;
}

/** The URL of one case: placeholders filled in, URL-encoded. */
export function fillUrl(url: string, query: string, k: number): string {
	return url.split('{query}').join(encodeURIComponent(query)).split('{k}').join(String(k));
}

const MAX_TEXT_CHARS = 300;

function idOf(value: unknown): string | null {
	if (typeof value === 'string') return value.trim() === '' ? null : value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return null;
}

/**
 * Read a search answer's body into ranked results. Returns an error sentence
 * for an answer that cannot be one: not JSON, no array at the results path,
 * or results none of which has an id (almost always a wrong ID path).
 */
export function readSearchAnswer(json: unknown, spec: Pick<SearchSpec, 'resultsPath' | 'idPath' | 'scorePath' | 'textPath'>, describePath: (p: PathSegment[]) => string): { results: SearchResult[] } | { error: string } {
	const list = getJsonPath(json, spec.resultsPath);
	if (!list.found) return { error: `the answer has no results at ${describePath(spec.resultsPath)}; check "Results Path"` };
	if (!Array.isArray(list.value)) {
		return { error: `the value at ${describePath(spec.resultsPath)} is not an array of results; check "Results Path"` };
	}
	const results = list.value.map((entry): SearchResult => {
		const score = spec.scorePath ? getJsonPath(entry, spec.scorePath).value : undefined;
		const text = spec.textPath ? getJsonPath(entry, spec.textPath).value : undefined;
		return {
			id: idOf(getJsonPath(entry, spec.idPath).value),
			score: typeof score === 'number' && Number.isFinite(score) ? score : null,
			text: typeof text === 'string' ? (text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS - 3)}...` : text) : null,
		};
	});
	if (results.length > 0 && results.every((r) => r.id === null)) {
		return { error: `none of the ${results.length} results has an id (text or number) at ${describePath(spec.idPath)}; check "ID Path"` };
	}
	return { results };
}

function attempt(request: HttpRequestFn, spec: SearchSpec, url: string, body: string | undefined, signal?: AbortSignal): Promise<ProbeResult> {
	return probe(request, {
		url,
		method: spec.method,
		headers: body === undefined ? spec.headers : { 'content-type': 'application/json', ...spec.headers },
		body,
		timeoutMs: spec.timeoutMs,
		maxBodyBytes: spec.maxBodyBytes,
		skipTlsVerify: spec.skipTlsVerify,
		signal,
	});
}

/** One search call for one case, retried on timeouts, connection trouble and 429/502/503/504. */
export async function search(
	request: HttpRequestFn,
	spec: SearchSpec,
	query: string,
	k: number,
	describePath: (p: PathSegment[]) => string,
	signal?: AbortSignal,
): Promise<SearchOutcome> {
	const url = fillUrl(spec.url, query, k);
	const body = spec.method === 'GET' || spec.bodyTemplate === undefined ? undefined : JSON.stringify(fillTemplate(spec.bodyTemplate, query, k));
	const { result, attempts } = await retryWithBackoff(
		async () => await attempt(request, spec, url, body, signal),
		isRetryableResult,
		{ retries: spec.retries, baseDelayMs: spec.retryDelayMs, maxDelayMs: 5000, signal },
	);
	const after = attempts > 1 ? ` (after ${attempts} attempts)` : '';
	if (result.error || !result.response) {
		const error = result.error ?? { code: 'unknown', message: 'no answer' };
		return { durationMs: result.durationMs, attempts, error: { code: error.code, message: `${error.message}${after}` } };
	}
	const response = result.response;
	const base = { statusCode: response.statusCode, durationMs: result.durationMs, attempts };
	if (response.statusCode < 200 || response.statusCode > 299) {
		const snippet = response.body.replace(/\s+/g, ' ').trim().slice(0, 200);
		return { ...base, error: { code: `http_${response.statusCode}`, message: `the search API answered HTTP ${response.statusCode}${after}${snippet ? `: ${snippet}` : ''}` } };
	}
	if (response.truncated) {
		return { ...base, error: { code: 'too_large', message: `the answer is larger than ${spec.maxBodyBytes} bytes; raise "Max Answer Size" or ask for fewer results` } };
	}
	const parsed = parseBody(response);
	// parseBody also refuses bodies nested deeper than the package's JSON depth bound (nodes/shared/bounded.ts).
	if (!parsed.ok) return { ...base, error: { code: 'invalid_json', message: `the answer cannot be read as JSON: ${parsed.error}` } };
	const read = readSearchAnswer(parsed.value, spec, describePath);
	if ('error' in read) return { ...base, error: { code: 'unexpected_shape', message: read.error } };
	return { ...base, results: read.results };
}

/** Download a case file (text), bounded like every other answer. */
export async function fetchCaseFile(
	request: HttpRequestFn,
	url: string,
	options: { timeoutMs: number; maxBytes: number; signal?: AbortSignal },
): Promise<{ text: string; contentType: string } | { error: string }> {
	const { result } = await retryWithBackoff(
		async () => await probe(request, { url, timeoutMs: options.timeoutMs, maxBodyBytes: options.maxBytes, signal: options.signal }),
		isRetryableResult,
		{ retries: 1, baseDelayMs: 250, maxDelayMs: 2000, signal: options.signal },
	);
	if (result.error || !result.response) return { error: `${url}: ${result.error?.message ?? 'no answer'}` };
	const response = result.response;
	if (response.statusCode < 200 || response.statusCode > 299) return { error: `${url} answered HTTP ${response.statusCode}` };
	if (response.truncated) return { error: `${url}: the case file is larger than ${options.maxBytes} bytes` };
	return { text: response.body, contentType: response.headers['content-type'] ?? '' };
}
