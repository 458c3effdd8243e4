import { decodeManifestBytes, formatProblems, parseTimestamp, validateManifest } from '../../../../nodes/RagFreshnessCheck/manifest';
import { malformedManifests, NOW, validManifest } from '../../../support/manifestFuzz';

const opts = { now: NOW, clockSkewMs: 300_000 };

function check(bytes: Buffer) {
	const decoded = decodeManifestBytes(bytes);
	return decoded.ok ? validateManifest(decoded.value, opts) : decoded;
}

describe('freshness manifest validation', () => {
	it('accepts the canonical manifest and its camelCase spelling', () => {
		const result = check(Buffer.from(JSON.stringify(validManifest())));
		expect(result).toMatchObject({ ok: true, manifest: { chunkCount: 4800, schemaVersion: '3', runId: 'run-2026-11-26T20' } });
		const camel = { schemaVersion: 'v3', generatedAt: 1795726800, runId: 'r', configHash: 'h', documentCount: 1, chunkCount: 2 };
		expect(validateManifest(camel, opts)).toMatchObject({ ok: true, manifest: { generatedAt: new Date(1795726800000) } });
	});

	it('accepts a UTF-8 BOM and a timestamp within the clock-skew tolerance', () => {
		const m = { ...validManifest(), generated_at: new Date(NOW.getTime() + 299_000).toISOString() };
		expect(check(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(m))])).ok).toBe(true);
	});

	const cases = malformedManifests();
	it('has at least 200 generated malformed manifests', () => {
		expect(cases.length).toBeGreaterThanOrEqual(200);
	});

	it.each(cases.map((c, i) => [i, c.label, c]))('malformed #%i (%s) fails with a clear reason', (_i, _label, c) => {
		const result = check(c.bytes);
		expect(result.ok).toBe(false);
		if (result.ok) return;
		expect(result.problems.length).toBeGreaterThan(0);
		const text = formatProblems(result.problems);
		expect(text).toContain(c.expect);
		for (const p of result.problems) {
			expect(p.path).toMatch(/^\$/);
			expect(p.message.length).toBeGreaterThan(5);
		}
	});

	it('names every problem of a manifest with several at once', () => {
		const result = validateManifest({ generated_at: 'soon', chunk_count: -1, run_id: 7 }, opts);
		expect(result.ok).toBe(false);
		if (result.ok) return;
		expect(result.problems.map((p) => p.path)).toEqual([
			'$.schema_version',
			'$.generated_at',
			'$.run_id',
			'$.config_hash',
			'$.document_count',
			'$.chunk_count',
		]);
		expect(formatProblems(result.problems)).toContain('$.chunk_count: expected a non-negative integer, got the number -1');
	});

	it.each([
		['2026-02-30T00:00:00Z', 'not a real date'],
		['2026-11-26 20:00:00+01:00', undefined],
		['2026-11-26T20:00:00.123456789Z', undefined],
		['2026-11-26T20:00Z', undefined],
	])('timestamp %s', (value, error) => {
		const parsed = parseTimestamp(value);
		if (error) expect('error' in parsed && parsed.error).toContain(error);
		else expect('date' in parsed).toBe(true);
	});
});
