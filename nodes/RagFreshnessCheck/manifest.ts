/**
 * The freshness manifest: the `latest.json` an ingestion pipeline writes at
 * the end of each run, and its validation.
 *
 * Canonical shape (snake_case; the camelCase spellings in ALIASES are
 * accepted too, since pipelines written in JS/TS tend to emit those):
 * ```json
 * {
 *   "schema_version": 3,                        // integer or non-empty string
 *   "generated_at": "2026-11-26T20:00:00Z",     // ISO 8601 with a zone, or Unix seconds
 *   "run_id": "2026-11-26T20:00:00Z-7f3a",      // non-empty string
 *   "config_hash": "sha256:…",                  // non-empty string
 *   "document_count": 1204,                     // non-negative integer
 *   "chunk_count": 48211,                       // non-negative integer
 *   "sources": { "handbook": { "document_count": 10, "chunk_count": 420 } }   // optional
 * }
 * ```
 * Validation never throws: every problem is reported with the field's path
 * and what was wrong, so a bad manifest becomes a clear `fail` result.
 */

import { MAX_JSON_DEPTH, parseJsonBounded } from '../shared/bounded';

export interface SourceCounts {
	documentCount: number;
	chunkCount: number;
}

export interface FreshnessManifest {
	schemaVersion: string;
	generatedAt: Date;
	runId: string;
	configHash: string;
	documentCount: number;
	chunkCount: number;
	/** Per source, by name (a Map: source names come from the manifest and may be `__proto__`). */
	sources: Map<string, SourceCounts>;
}

export interface ManifestProblem {
	/** JSON path of the field (`$` for the whole document). */
	path: string;
	message: string;
}

export type ManifestResult =
	| { ok: true; manifest: FreshnessManifest }
	| { ok: false; problems: ManifestProblem[] };

/** Larger manifests are refused before parsing: a latest.json is a few KB. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

const FIELDS = {
	schema_version: ['schemaVersion'],
	generated_at: ['generatedAt'],
	run_id: ['runId'],
	config_hash: ['configHash'],
	document_count: ['documentCount', 'documents'],
	chunk_count: ['chunkCount', 'chunks'],
	sources: [],
} as const;

type FieldName = keyof typeof FIELDS;

const ISO_8601 =
	/^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
	if (typeof value === 'number') return `the number ${value}`;
	return `a ${typeof value}`;
}

/** UTF-16 code units with the byte order swapped (so big-endian text can use the little-endian decoder). */
function swapBytePairs(bytes: Uint8Array): Uint8Array {
	const out = new Uint8Array(bytes.length - (bytes.length % 2));
	for (let i = 0; i + 1 < bytes.length; i += 2) {
		out[i] = bytes[i + 1];
		out[i + 1] = bytes[i];
	}
	return out;
}

/**
 * Bytes → JSON value. The encoding is checked, never guessed silently:
 * UTF-8 (a BOM is dropped); UTF-16 with a byte order mark is decoded as the
 * BOM says (Windows tools write it); UTF-32, UTF-16 without a BOM (NUL bytes)
 * and invalid UTF-8 are clear errors, as are empty and oversize input,
 * nesting deeper than {@link MAX_JSON_DEPTH} and JSON syntax errors.
 */
export function decodeManifestBytes(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; problems: ManifestProblem[] } {
	const fail = (message: string) => ({ ok: false as const, problems: [{ path: '$', message }] });
	if (bytes.length === 0) return fail('the manifest is empty (0 bytes)');
	if (bytes.length > MAX_MANIFEST_BYTES) {
		return fail(`the manifest is ${bytes.length} bytes, more than the ${MAX_MANIFEST_BYTES} bytes a manifest may have`);
	}
	const b = (i: number) => bytes[i] ?? -1;
	if ((b(0) === 0xff && b(1) === 0xfe && b(2) === 0 && b(3) === 0) || (b(0) === 0 && b(1) === 0 && b(2) === 0xfe && b(3) === 0xff)) {
		return fail('the manifest is encoded as UTF-32 (byte order mark found); write it as UTF-8');
	}
	const utf16 = b(0) === 0xff && b(1) === 0xfe ? 'le' : b(0) === 0xfe && b(1) === 0xff ? 'be' : undefined;
	if (utf16) {
		if (bytes.length % 2 !== 0) return fail('the manifest starts with a UTF-16 byte order mark but has an odd number of bytes; write it as UTF-8');
		const units = utf16 === 'le' ? bytes.subarray(2) : swapBytePairs(bytes.subarray(2));
		let text: string;
		try {
			text = new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true }).decode(units);
		} catch {
			return fail(`the manifest starts with a UTF-16${utf16 === 'le' ? 'LE' : 'BE'} byte order mark but is not valid UTF-16; write it as UTF-8`);
		}
		return parseManifestText(text);
	}
	if (bytes.length >= 2 && (bytes[0] === 0 || bytes[1] === 0)) {
		return fail('the manifest contains NUL bytes (UTF-16/32 without a byte order mark, or binary data); write it as UTF-8 JSON');
	}
	let text: string;
	try {
		text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
	} catch {
		return fail('the manifest is not valid UTF-8 (another encoding such as Latin-1, or binary data); write it as UTF-8');
	}
	return parseManifestText(text);
}

export function parseManifestText(text: string): { ok: true; value: unknown } | { ok: false; problems: ManifestProblem[] } {
	const trimmed = text.replace(/^\uFEFF/, '').trim();
	if (trimmed === '') return { ok: false, problems: [{ path: '$', message: 'the manifest is empty' }] };
	const parsed = parseJsonBounded(trimmed, MAX_JSON_DEPTH);
	if (parsed.ok) return parsed;
	return { ok: false, problems: [{ path: '$', message: `the manifest is ${parsed.error}` }] };
}

/** Parses an ISO 8601 timestamp (zone required) or Unix seconds; undefined with a reason otherwise. */
export function parseTimestamp(value: unknown): { date: Date } | { error: string } {
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) return { error: `expected a timestamp, got ${describe(value)}` };
		// Unix seconds; a value in milliseconds would be in the year 50000+.
		if (value < 0 || value > 1e11) {
			return { error: `the number ${value} is not a plausible Unix time in seconds` };
		}
		return { date: new Date(value * 1000) };
	}
	if (typeof value !== 'string') return { error: `expected an ISO 8601 timestamp, got ${describe(value)}` };
	const m = ISO_8601.exec(value.trim());
	if (!m) {
		return {
			error: `${describe(value)} is not an ISO 8601 timestamp with a time zone (e.g. 2026-11-26T20:00:00Z)`,
		};
	}
	const [, y, mo, d, h, mi, s] = m;
	const ms = Date.parse(value.trim().replace(' ', 'T'));
	const date = new Date(ms);
	// Date.parse rolls 2026-02-30 over into March: check the calendar fields.
	const daysInMonth = new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
	if (
		Number.isNaN(ms) ||
		Number(mo) < 1 ||
		Number(mo) > 12 ||
		Number(d) < 1 ||
		Number(d) > daysInMonth ||
		Number(h) > 23 ||
		Number(mi) > 59 ||
		Number(s ?? 0) > 59
	) {
		return { error: `${describe(value)} is not a real date and time` };
	}
	return { date };
}

function pick(obj: Record<string, unknown>, field: FieldName): { key: string; value: unknown } | undefined {
	for (const key of [field, ...FIELDS[field]]) {
		if (Object.prototype.hasOwnProperty.call(obj, key)) return { key, value: obj[key] };
	}
	return undefined;
}

function count(value: unknown, path: string, problems: ManifestProblem[]): number | undefined {
	if (typeof value !== 'number') {
		problems.push({ path, message: `expected a non-negative integer, got ${describe(value)}` });
		return undefined;
	}
	if (!Number.isSafeInteger(value) || value < 0) {
		problems.push({
			path,
			message: Number.isInteger(value) && value > 0
				? `the number ${value} is too large to be a count (more than 2^53 − 1)`
				: `expected a non-negative integer, got ${describe(value)}`,
		});
		return undefined;
	}
	return value;
}

function text(value: unknown, path: string, problems: ManifestProblem[]): string | undefined {
	if (typeof value !== 'string' || value.trim() === '') {
		problems.push({ path, message: `expected a non-empty string, got ${describe(value)}` });
		return undefined;
	}
	if (value.length > 1000) {
		problems.push({ path, message: `the string is ${value.length} characters long; at most 1000 are allowed` });
		return undefined;
	}
	return value;
}

export interface ValidateOptions {
	/** Now, for the future-date check. */
	now: Date;
	/** A generated-at time up to this far in the future is accepted (clock skew). */
	clockSkewMs: number;
}

/** Validates a parsed manifest; every problem is named with its path. */
export function validateManifest(value: unknown, options: ValidateOptions): ManifestResult {
	const problems: ManifestProblem[] = [];
	if (value === null || typeof value !== 'object' || Array.isArray(value)) {
		return { ok: false, problems: [{ path: '$', message: `expected a JSON object, got ${describe(value)}` }] };
	}
	const obj = value as Record<string, unknown>;
	const required = (field: FieldName): { key: string; value: unknown } | undefined => {
		const found = pick(obj, field);
		if (!found) problems.push({ path: `$.${field}`, message: 'missing required field' });
		return found;
	};

	const sv = required('schema_version');
	let schemaVersion: string | undefined;
	if (sv) {
		if (typeof sv.value === 'number' && Number.isSafeInteger(sv.value) && sv.value >= 0) schemaVersion = String(sv.value);
		else if (typeof sv.value === 'string' && sv.value.trim() !== '' && sv.value.length <= 100) schemaVersion = sv.value.trim();
		else problems.push({ path: `$.${sv.key}`, message: `expected an integer or a short string, got ${describe(sv.value)}` });
	}

	const ga = required('generated_at');
	let generatedAt: Date | undefined;
	if (ga) {
		const parsed = parseTimestamp(ga.value);
		if ('error' in parsed) problems.push({ path: `$.${ga.key}`, message: parsed.error });
		else {
			const ahead = parsed.date.getTime() - options.now.getTime();
			if (ahead > options.clockSkewMs) {
				problems.push({
					path: `$.${ga.key}`,
					message: `${parsed.date.toISOString()} is ${Math.round(ahead / 1000)} s in the future, beyond the clock-skew tolerance of ${Math.round(options.clockSkewMs / 1000)} s`,
				});
			} else generatedAt = parsed.date;
		}
	}

	const ri = required('run_id');
	const runId = ri ? text(ri.value, `$.${ri.key}`, problems) : undefined;
	const ch = required('config_hash');
	const configHash = ch ? text(ch.value, `$.${ch.key}`, problems) : undefined;
	const dc = required('document_count');
	const documentCount = dc ? count(dc.value, `$.${dc.key}`, problems) : undefined;
	const cc = required('chunk_count');
	const chunkCount = cc ? count(cc.value, `$.${cc.key}`, problems) : undefined;

	const sources = new Map<string, SourceCounts>();
	const src = pick(obj, 'sources');
	if (src && src.value !== null && src.value !== undefined) {
		// Plain loops, no spread into push: a manifest may list hundreds of thousands of sources.
		const entries: Array<[string, unknown]> = [];
		if (Array.isArray(src.value)) {
			const seen = new Set<string>();
			for (let i = 0; i < src.value.length; i++) {
				const entry: unknown = src.value[i];
				const name = entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>).name : undefined;
				if (typeof name !== 'string' || name === '') {
					problems.push({ path: `$.sources[${i}].name`, message: `expected a non-empty string, got ${describe(name)}` });
				} else if (seen.has(name)) {
					problems.push({ path: `$.sources[${i}].name`, message: `${describe(name)} names a source listed before; names must be unique` });
				} else {
					seen.add(name);
					entries.push([name, entry]);
				}
			}
		} else if (typeof src.value === 'object') {
			const record = src.value as Record<string, unknown>;
			for (const key of Object.keys(record)) entries.push([key, record[key]]);
		} else {
			problems.push({ path: '$.sources', message: `expected an object or an array, got ${describe(src.value)}` });
		}
		for (const [name, entry] of entries) {
			const path = `$.sources[${JSON.stringify(name.length > 100 ? `${name.slice(0, 100)}…` : name)}]`;
			if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
				problems.push({ path, message: `expected an object with document_count and chunk_count, got ${describe(entry)}` });
				continue;
			}
			const e = entry as Record<string, unknown>;
			const d = pick(e, 'document_count');
			const c = pick(e, 'chunk_count');
			if (!d) problems.push({ path: `${path}.document_count`, message: 'missing required field' });
			if (!c) problems.push({ path: `${path}.chunk_count`, message: 'missing required field' });
			const dv = d ? count(d.value, `${path}.${d.key}`, problems) : undefined;
			const cv = c ? count(c.value, `${path}.${c.key}`, problems) : undefined;
			if (dv !== undefined && cv !== undefined) sources.set(name, { documentCount: dv, chunkCount: cv });
		}
	}

	if (
		problems.length > 0 ||
		schemaVersion === undefined ||
		generatedAt === undefined ||
		runId === undefined ||
		configHash === undefined ||
		documentCount === undefined ||
		chunkCount === undefined
	) {
		return { ok: false, problems };
	}
	return { ok: true, manifest: { schemaVersion, generatedAt, runId, configHash, documentCount, chunkCount, sources } };
}

/** Problems listed by name in messages; the rest are counted (a broken 200 000-source manifest must not make a 20 MB message). */
export const MAX_LISTED_PROBLEMS = 20;

/** One sentence listing the problems (at most {@link MAX_LISTED_PROBLEMS}), for item messages and error descriptions. */
export function formatProblems(problems: ManifestProblem[]): string {
	const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `${p.path}: ${p.message}`).join('; ');
	return problems.length > MAX_LISTED_PROBLEMS ? `${listed}; and ${problems.length - MAX_LISTED_PROBLEMS} more problems` : listed;
}
