import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { getJsonPath } from '../shared/jsonPath';
import type { HttpRequestFn } from '../shared/probe';
import { detectFormat, parseCaseFile, validateCases, type CaseFileFormat, type CaseProblem, type GoldenCase } from './cases';
import type { RetrievalSettings } from './settings';
import { fetchCaseFile } from './transport';

/**
 * The inputs of a run: the golden cases from the node's list, the input
 * items or a case file (validated by cases.ts), and the baseline.
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
