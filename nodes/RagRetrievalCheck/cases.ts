import { MAX_JSON_DEPTH, parseJsonBounded } from '../shared/bounded';
import type { MatchMode } from './measures';

/**
 * Golden cases: what one query must (and must not) retrieve. Read from the
 * node's list, from input items, or from a JSON / JSONL / CSV file, and
 * validated here into one shape with one error wording whatever the source:
 * every problem names the case's position (1-based) and its id.
 *
 * Case fields are user data: they are read with own-property checks only, and
 * ids are only ever kept in arrays, Sets and Maps (a case or document id
 * `__proto__` or `constructor` is an id like any other).
 */

export interface GoldenCase {
	id: string;
	query: string;
	/** Expected document ids (distinct); empty = a label-free case (drift only). */
	expected: string[];
	match: MatchMode;
	mustNotContain: string[];
	/** Results considered; undefined = the node's default k. */
	k?: number;
	/** Results scoring below this do not count as retrieved; undefined = no minimum. */
	minScore?: number;
}

/** A case as found in a source: any JSON-ish object. */
export type RawCase = Record<string, unknown>;

export class CaseError extends Error {
	constructor(
		readonly position: number,
		readonly caseId: string | undefined,
		problem: string,
	) {
		super(`Case ${position}${caseId !== undefined ? ` (id "${caseId}")` : ''}: ${problem}`);
	}
}

export const MAX_K = 1000;
export const MAX_QUERY_LENGTH = 10_000;
export const MAX_IDS_PER_CASE = 1000;

function own(raw: RawCase, ...names: string[]): unknown {
	for (const name of names) {
		if (Object.prototype.hasOwnProperty.call(raw, name)) {
			const value = raw[name];
			if (value !== undefined && value !== null && value !== '') return value;
		}
	}
	return undefined;
}

/** An id list from an array or a string of ids separated by commas or `|`. */
function idList(value: unknown, field: string, fail: (problem: string) => never): string[] {
	if (value === undefined) return [];
	let parts: unknown[];
	if (Array.isArray(value)) parts = value;
	else if (typeof value === 'string') parts = value.split(/[,|]/);
	else if (typeof value === 'number') parts = [value];
	else fail(`"${field}" must be a list of ids (an array, or ids separated by commas), got ${describe(value)}`);
	const ids: string[] = [];
	parts.forEach((part, i) => {
		if (typeof part === 'number' && Number.isFinite(part)) ids.push(String(part));
		else if (typeof part === 'string') {
			const id = part.trim();
			if (id !== '') ids.push(id);
		} else fail(`"${field}"[${i}] must be an id (text or number), got ${describe(part)}`);
	});
	const unique = [...new Set(ids)];
	if (unique.length > MAX_IDS_PER_CASE) fail(`"${field}" has ${unique.length} ids, more than the ${MAX_IDS_PER_CASE} a case may have`);
	return unique;
}

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'object') return 'an object';
	if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 37)}...` : value}"`;
	return `${typeof value} ${String(value)}`;
}

function numberField(value: unknown, field: string, fail: (problem: string) => never): number | undefined {
	if (value === undefined) return undefined;
	const n = typeof value === 'string' ? Number(value.trim()) : value;
	if (typeof n !== 'number' || !Number.isFinite(n)) fail(`"${field}" must be a number, got ${describe(value)}`);
	return n;
}

/**
 * Validate one raw case. `position` is 1-based. Throws CaseError.
 * Field names: id, query (or question), expected (or expectedIds), match
 * (any | all), mustNotContain, k, minScore.
 */
export function validateCase(raw: unknown, position: number): GoldenCase {
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
		throw new CaseError(position, undefined, `must be an object with at least a "query", got ${describe(raw)}`);
	}
	const rawCase = raw as RawCase;
	const rawId = own(rawCase, 'id', 'caseId');
	let id: string | undefined;
	if (rawId !== undefined) {
		if (typeof rawId !== 'string' && typeof rawId !== 'number') {
			throw new CaseError(position, undefined, `"id" must be text or a number, got ${describe(rawId)}`);
		}
		id = String(rawId).trim() || undefined;
	}
	const fail = (problem: string): never => {
		throw new CaseError(position, id, problem);
	};
	const query = own(rawCase, 'query', 'question');
	if (typeof query !== 'string' || query.trim() === '') {
		fail(query === undefined ? 'has no "query" (the text to search for)' : `"query" must be non-empty text, got ${describe(query)}`);
	}
	if ((query as string).length > MAX_QUERY_LENGTH) fail(`"query" is longer than ${MAX_QUERY_LENGTH} characters`);
	const matchRaw = own(rawCase, 'match');
	if (matchRaw !== undefined && matchRaw !== 'any' && matchRaw !== 'all') {
		fail(`"match" must be "any" or "all", got ${describe(matchRaw)}`);
	}
	const k = numberField(own(rawCase, 'k'), 'k', fail);
	if (k !== undefined && (!Number.isInteger(k) || k < 1 || k > MAX_K)) fail(`"k" must be a whole number from 1 to ${MAX_K}, got ${k}`);
	const expected = idList(own(rawCase, 'expected', 'expectedIds', 'expected_ids'), 'expected', fail);
	const mustNotContain = idList(own(rawCase, 'mustNotContain', 'must_not_contain'), 'mustNotContain', fail);
	const clash = expected.find((e) => mustNotContain.includes(e));
	if (clash !== undefined) fail(`id "${clash}" is both expected and in "mustNotContain"`);
	return {
		id: id ?? `case-${position}`,
		query: (query as string).trim(),
		expected,
		match: (matchRaw as MatchMode | undefined) ?? 'any',
		mustNotContain,
		k,
		minScore: numberField(own(rawCase, 'minScore', 'min_score'), 'minScore', fail),
	};
}

/** validateCase with its CaseError as a value (anything else is a bug and propagates). */
function checkCase(raw: unknown, position: number): GoldenCase | CaseError {
	try {
		return validateCase(raw, position);
	} catch (error) {
		if (error instanceof CaseError) return error;
		return new CaseError(position, undefined, `could not be read (${error instanceof Error ? error.message : String(error)})`);
	}
}

export interface CaseProblem {
	position: number;
	caseId?: string;
	message: string;
}

/**
 * Validate a whole golden set: every case, plus unique ids (they key the
 * baseline). Returns the valid cases and one problem per invalid one, so the
 * caller decides whether one bad case stops the run.
 */
export function validateCases(raws: readonly unknown[]): { cases: Array<{ goldenCase: GoldenCase; position: number }>; problems: CaseProblem[] } {
	const cases: Array<{ goldenCase: GoldenCase; position: number }> = [];
	const problems: CaseProblem[] = [];
	const seen = new Map<string, number>();
	raws.forEach((raw, i) => {
		const position = i + 1;
		const checked = checkCase(raw, position);
		if (checked instanceof CaseError) {
			problems.push({ position, caseId: checked.caseId, message: checked.message });
			return;
		}
		const earlier = seen.get(checked.id);
		if (earlier !== undefined) {
			const message = new CaseError(position, checked.id, `has the same id as case ${earlier}; case ids key the baseline, so each must be unique`).message;
			problems.push({ position, caseId: checked.id, message });
			return;
		}
		seen.set(checked.id, position);
		cases.push({ goldenCase: checked, position });
	});
	return { cases, problems };
}

export type CaseFileFormat = 'json' | 'jsonl' | 'csv';

/** The format of a case file from its name or MIME type, falling back to its first character. */
export function detectFormat(text: string, fileName = '', mimeType = ''): CaseFileFormat {
	const name = fileName.toLowerCase();
	if (name.endsWith('.jsonl') || name.endsWith('.ndjson') || /ndjson|jsonl|json-seq/.test(mimeType)) return 'jsonl';
	if (name.endsWith('.csv') || mimeType.includes('csv')) return 'csv';
	if (name.endsWith('.json') || mimeType.includes('json')) return 'json';
	const start = text.trimStart();
	if (start.startsWith('[')) return 'json';
	if (start.startsWith('{')) {
		// One object over several lines is JSON; one object per line is JSONL.
		const lines = start.split(/\r?\n/).filter((l) => l.trim() !== '');
		return lines.length > 1 && lines.every((l) => l.trim().startsWith('{') && l.trim().endsWith('}')) ? 'jsonl' : 'json';
	}
	return 'csv';
}

/** Raw cases of a file (validated afterwards by validateCases), or why the file cannot be read. */
export type ParsedCaseFile = { raws: unknown[] } | { error: string };

/** JSON with the package's nesting bound (a case is a flat object; deeper data is refused, not parsed). */
function parseJson(text: string): { value: unknown } | { error: string } {
	const parsed = parseJsonBounded(text, MAX_JSON_DEPTH);
	return parsed.ok ? { value: parsed.value } : { error: parsed.error };
}

export function parseCaseFile(text: string, format: CaseFileFormat): ParsedCaseFile {
	const body = text.replace(/^\uFEFF/, '');
	if (body.trim() === '') return { error: 'the case file is empty' };
	if (format === 'json') {
		const parsed = parseJson(body);
		if ('error' in parsed) return { error: `the case file is not valid JSON: ${parsed.error}` };
		const value = parsed.value;
		if (Array.isArray(value)) return { raws: value };
		if (typeof value === 'object' && value !== null && Object.prototype.hasOwnProperty.call(value, 'cases') && Array.isArray((value as RawCase).cases)) {
			return { raws: (value as { cases: unknown[] }).cases };
		}
		return { error: 'a JSON case file must be an array of cases or an object with a "cases" array' };
	}
	if (format === 'jsonl') {
		const raws: unknown[] = [];
		const lines = body.split(/\r?\n/);
		for (let i = 0; i < lines.length; i++) {
			if (lines[i].trim() === '') continue;
			const parsed = parseJson(lines[i]);
			if ('error' in parsed) return { error: `line ${i + 1} of the JSONL case file is not valid JSON: ${parsed.error}` };
			raws.push(parsed.value);
		}
		return { raws };
	}
	return csvCases(body);
}

/**
 * RFC 4180 CSV (quoted fields, doubled quotes, CR LF or LF) whose first row
 * names the columns. Each row becomes a case object; id lists inside a cell
 * are separated by `|` or by commas within quotes.
 */
function csvCases(text: string): ParsedCaseFile {
	const parsed = parseCsv(text);
	if ('error' in parsed) return parsed;
	const rows = parsed.rows;
	const header = rows.shift()?.map((h) => h.trim());
	if (!header || !header.some((h) => h === 'query' || h === 'question')) {
		return { error: 'the CSV case file needs a header row with a "query" column (and optionally id, expected, match, mustNotContain, k, minScore)' };
	}
	const raws = rows
		.filter((row) => row.some((cell) => cell.trim() !== ''))
		.map((row) => {
			// Null prototype: column names are user data (validateCase reads own properties only).
			const obj = Object.create(null) as RawCase;
			header.forEach((name, i) => {
				if (name !== '' && row[i] !== undefined && row[i].trim() !== '') obj[name] = row[i].trim();
			});
			return obj;
		});
	return { raws };
}

export function parseCsv(text: string): { rows: string[][] } | { error: string } {
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let quoted = false;
	let i = 0;
	while (i < text.length) {
		const ch = text[i];
		if (quoted) {
			if (ch === '"') {
				if (text[i + 1] === '"') {
					field += '"';
					i += 2;
					continue;
				}
				quoted = false;
				i++;
				continue;
			}
			field += ch;
			i++;
			continue;
		}
		if (ch === '"' && field === '') {
			quoted = true;
		} else if (ch === ',') {
			row.push(field);
			field = '';
		} else if (ch === '\n' || ch === '\r') {
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
			if (ch === '\r' && text[i + 1] === '\n') i++;
		} else {
			field += ch;
		}
		i++;
	}
	if (quoted) return { error: 'the CSV case file ends inside a quoted field (a " is not closed)' };
	if (field !== '' || row.length > 0) {
		row.push(field);
		rows.push(row);
	}
	return { rows };
}
