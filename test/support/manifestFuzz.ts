/**
 * Generates malformed freshness manifests, each with a word its failure
 * reason must contain: wrong types and missing fields for every field,
 * garbage bytes, huge numbers, future and impossible dates, wrong encodings.
 * Deterministic (seeded) so a failing case can be reproduced by its index.
 */

export interface MalformedManifest {
	label: string;
	bytes: Buffer;
	/** A fragment the failure reason must contain (path or message). */
	expect: string;
}

/**
 * "Now" for the generated cases: the real clock at load (whole seconds), because
 * the node judges against the real clock. A fixed date here made the
 * future-date cases valid once the wall clock passed them.
 */
export const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);

export function validManifest(): Record<string, unknown> {
	return {
		schema_version: 3,
		generated_at: new Date(NOW.getTime() - 3600_000).toISOString(),
		run_id: 'run-2026-11-26T20',
		config_hash: 'sha256:0f3a',
		document_count: 120,
		chunk_count: 4800,
		sources: { handbook: { document_count: 20, chunk_count: 800 } },
	};
}

/** Mulberry32: tiny seeded PRNG. */
function rng(seed: number): () => number {
	let a = seed;
	return () => {
		a |= 0;
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const REQUIRED = ['schema_version', 'generated_at', 'run_id', 'config_hash', 'document_count', 'chunk_count'] as const;

const WRONG_VALUES: Array<[string, unknown]> = [
	['null', null],
	['array', [1, 2]],
	['object', { a: 1 }],
	['boolean', true],
	['empty string', ''],
	['negative', -5],
	['float', 1.5],
	['huge', 1e300],
	['unsafe integer', 2 ** 53 + 2],
	['numeric string', '42'],
];

const BAD_DATES: string[] = [
	'yesterday',
	'2026-11-26',
	'2026-11-26T20:00:00',
	'2026-13-01T00:00:00Z',
	'2026-02-30T00:00:00Z',
	'2026-11-26T25:00:00Z',
	'2026-11-26T20:61:00Z',
	'26/11/2026 20:00',
	'2026-11-26T20:00:00+25:99x',
	'Thu, 26 Nov 2026 20:00:00 GMT',
	'',
	'1732650000',
];

function json(value: unknown): Buffer {
	return Buffer.from(JSON.stringify(value), 'utf8');
}

export function malformedManifests(): MalformedManifest[] {
	const out: MalformedManifest[] = [];
	// 1. Each required field missing (6).
	for (const field of REQUIRED) {
		const m = validManifest();
		delete m[field];
		out.push({ label: `missing ${field}`, bytes: json(m), expect: `$.${field}: missing required field` });
	}
	// 2. Each field with each wrong value, where it is wrong for that field (≤ 60).
	for (const field of REQUIRED) {
		for (const [label, value] of WRONG_VALUES) {
			const m = validManifest();
			m[field] = value;
			// A numeric string is a fine schema version, run id or hash; a float a fine Unix time.
			if (label === 'numeric string' && ['schema_version', 'run_id', 'config_hash'].includes(field)) continue;
			if (field === 'generated_at' && label === 'float') continue;
			out.push({ label: `${field} = ${label}`, bytes: json(m), expect: `$.${field}` });
		}
	}
	// 3. Bad and future dates (12 + 5).
	for (const date of BAD_DATES) {
		const m = validManifest();
		m.generated_at = date;
		out.push({ label: `generated_at = ${JSON.stringify(date)}`, bytes: json(m), expect: '$.generated_at' });
	}
	// 360 s: past the default 300 s skew tolerance with a minute to spare for a slow run.
	for (const ahead of [3600, 86400, 10 * 365 * 86400, 360, 100000]) {
		const m = validManifest();
		m.generated_at = new Date(NOW.getTime() + ahead * 1000).toISOString();
		out.push({ label: `generated_at ${ahead}s in the future`, bytes: json(m), expect: 'in the future' });
	}
	for (const seconds of [-1, 1e12, Number.MAX_SAFE_INTEGER]) {
		const m = validManifest();
		m.generated_at = seconds;
		out.push({ label: `generated_at = ${seconds} (seconds)`, bytes: json(m), expect: '$.generated_at' });
	}
	// 4. Not an object at all (8).
	for (const [label, value] of [
		['null', null],
		['array', [validManifest()]],
		['string', 'latest'],
		['number', 42],
		['true', true],
	] as Array<[string, unknown]>) {
		out.push({ label: `root ${label}`, bytes: json(value), expect: 'expected a JSON object' });
	}
	out.push({ label: 'empty file', bytes: Buffer.alloc(0), expect: 'empty' });
	out.push({ label: 'whitespace only', bytes: Buffer.from('  \n\t '), expect: 'empty' });
	out.push({ label: 'BOM only', bytes: Buffer.from([0xef, 0xbb, 0xbf]), expect: 'empty' });
	// 5. Broken sources (6).
	for (const [label, value, expect] of [
		['sources string', 'x', '$.sources'],
		['sources entry null', { a: null }, '$.sources["a"]'],
		['sources entry missing chunks', { a: { document_count: 1 } }, '$.sources["a"].chunk_count'],
		['sources entry negative', { a: { document_count: -1, chunk_count: 1 } }, '$.sources["a"].document_count'],
		['sources array without name', [{ document_count: 1, chunk_count: 1 }], '$.sources[0].name'],
		['sources array huge', [{ name: 'x', document_count: 1e20, chunk_count: 1 }], '$.sources["x"].document_count'],
	] as Array<[string, unknown, string]>) {
		const m = validManifest();
		m.sources = value;
		out.push({ label, bytes: json(m), expect });
	}
	// 6. Wrong encodings (4).
	const text = JSON.stringify(validManifest());
	// A UTF-16 BOM is honoured (decoded), so only broken UTF-16 is malformed: an odd byte count, a lone surrogate.
	out.push({ label: 'UTF-16LE with BOM, odd length', bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le'), Buffer.from([0x20])]), expect: 'UTF-16' });
	out.push({ label: 'UTF-16LE with BOM, lone surrogate', bytes: Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xd8]), Buffer.from(text, 'utf16le')]), expect: 'UTF-16' });
	out.push({ label: 'UTF-16LE without BOM', bytes: Buffer.from(text, 'utf16le'), expect: 'NUL bytes' });
	out.push({ label: 'Latin-1 with é', bytes: Buffer.from(JSON.stringify({ ...validManifest(), run_id: 'café' }), 'latin1'), expect: 'not valid UTF-8' });
	out.push({ label: 'UTF-32BE', bytes: Buffer.concat([...text].map((c) => Buffer.from([0, 0, 0, c.charCodeAt(0)]))), expect: 'NUL bytes' });
	// 7. Truncated JSON at many points (30).
	for (let cut = 1; cut <= 30; cut++) {
		const at = Math.floor((text.length * cut) / 31);
		out.push({ label: `truncated at ${at}`, bytes: Buffer.from(text.slice(0, at)), expect: 'not valid JSON' });
	}
	// 8. Seeded garbage bytes (40) and garbage inserted into valid JSON (20).
	const random = rng(20261126);
	for (let n = 0; n < 40; n++) {
		const len = 1 + Math.floor(random() * 300);
		const bytes = Buffer.alloc(len);
		for (let i = 0; i < len; i++) bytes[i] = Math.floor(random() * 256);
		// Keep it from accidentally being valid JSON: start with a byte JSON cannot start with.
		bytes[0] = 0x80 + Math.floor(random() * 0x40);
		out.push({ label: `garbage #${n} (${len} bytes)`, bytes, expect: '$' });
	}
	for (let n = 0; n < 20; n++) {
		// Right after a structural `,` or `:` (outside string literals), so the JSON really breaks.
		let inString = false;
		const structural: number[] = [];
		for (let i = 0; i < text.length; i++) {
			if (text[i] === '"' && text[i - 1] !== '\\') inString = !inString;
			else if (!inString && (text[i] === ',' || text[i] === ':')) structural.push(i + 1);
		}
		const at = structural[Math.floor(random() * structural.length)];
		const junk = String.fromCharCode(...Array.from({ length: 3 }, () => 33 + Math.floor(random() * 90)));
		const broken = `${text.slice(0, at)}}${junk}${text.slice(at)}`;
		out.push({ label: `junk at ${at}`, bytes: Buffer.from(broken), expect: '$' });
	}
	// 9. Huge: over the size limit (1) and deep nesting (1).
	out.push({ label: 'over 1 MiB', bytes: Buffer.from(JSON.stringify({ ...validManifest(), pad: 'x'.repeat(1_100_000) })), expect: 'bytes' });
	out.push({ label: 'deep nesting', bytes: Buffer.from('['.repeat(50_000) + ']'.repeat(50_000)), expect: 'nested deeper than 64 levels' });
	// 10. Overlong strings (2).
	out.push({ label: 'run_id 5000 chars', bytes: json({ ...validManifest(), run_id: 'r'.repeat(5000) }), expect: '$.run_id' });
	out.push({ label: 'schema_version 500 chars', bytes: json({ ...validManifest(), schema_version: 'v'.repeat(500) }), expect: '$.schema_version' });
	// 11. camelCase spellings with wrong values (seeded, 20).
	const camel: Record<string, string> = {
		schema_version: 'schemaVersion',
		generated_at: 'generatedAt',
		run_id: 'runId',
		config_hash: 'configHash',
		document_count: 'documentCount',
		chunk_count: 'chunkCount',
	};
	for (let n = 0; n < 20; n++) {
		const field = REQUIRED[Math.floor(random() * REQUIRED.length)];
		const [label, value] = WRONG_VALUES[Math.floor(random() * 5)]; // null, array, object, boolean, empty string
		const m = validManifest();
		delete m[field];
		m[camel[field]] = value;
		out.push({ label: `${camel[field]} = ${label}`, bytes: json(m), expect: `$.${camel[field]}` });
	}
	return out;
}
