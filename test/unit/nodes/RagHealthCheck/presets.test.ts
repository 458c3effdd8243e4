import { PRESETS, qdrantCollectionUrl, resolveTargetUrl } from '../../../../nodes/RagHealthCheck/presets';
import { parseBody } from '../../../../nodes/shared/conditions';

describe('target URLs', () => {
	test('a base URL gets the preset path; a URL with a path is used as is', () => {
		expect(resolveTargetUrl('http://qdrant:6333', PRESETS.qdrant)).toBe('http://qdrant:6333/readyz');
		expect(resolveTargetUrl('http://qdrant:6333/', PRESETS.qdrant)).toBe('http://qdrant:6333/readyz');
		expect(resolveTargetUrl('http://rag-api:8000/healthz', PRESETS.ragApi)).toBe('http://rag-api:8000/healthz');
		expect(resolveTargetUrl('https://n8n.example.com', PRESETS.n8n)).toBe('https://n8n.example.com/healthz/readiness');
		expect(resolveTargetUrl('http://x:1/?probe=1', PRESETS.loki)).toBe('http://x:1/ready?probe=1');
		expect(resolveTargetUrl('http://x:1', PRESETS.generic)).toBe('http://x:1/');
	});

	test('non-http(s) and unparsable URLs are refused', () => {
		expect(() => resolveTargetUrl('ftp://x', PRESETS.generic)).toThrow(/not an http/);
		expect(() => resolveTargetUrl('qdrant:6333', PRESETS.qdrant)).toThrow();
		expect(() => resolveTargetUrl('', PRESETS.qdrant)).toThrow();
	});

	test('the Qdrant collection URL keeps a reverse-proxy prefix and encodes the name', () => {
		expect(qdrantCollectionUrl('http://q:6333/readyz', 'docs')).toBe('http://q:6333/collections/docs');
		expect(qdrantCollectionUrl('https://h/qdrant/readyz', 'my docs')).toBe('https://h/qdrant/collections/my%20docs');
	});
});

describe('checkTarget', () => {
	test('an unexpected exception while reading an answer becomes an unknown result, not a crash', async () => {
		const { checkTarget } = await import('../../../../nodes/RagHealthCheck/checkTarget');
		const result = await checkTarget(
			{ name: 'x', url: 'http://127.0.0.1:1/', preset: 'generic', critical: true, dependsOn: [], timeoutMs: 1000, headers: {} },
			{
				request: async () => ({ statusCode: 200, headers: {}, body: 'ok' }),
				conditions: [],
				retries: 0,
				retryBaseDelayMs: 0,
				maxBodyBytes: 100,
				skipTlsVerify: false,
				now: () => {
					throw new Error('clock broke');
				},
			},
		);
		expect(result).toMatchObject({ status: 'unknown', error: { code: 'internal' } });
		expect(result.message).toMatch(/clock broke/);
	});
});

describe('RAG API preset shapes', () => {
	const read = (doc: unknown) => {
		const body = JSON.stringify(doc);
		const response = { statusCode: 200, headers: {}, body, bodyBytes: body.length, truncated: false };
		return PRESETS.ragApi.interpret!({ response, durationMs: 1, json: parseBody(response), now: Date.now() });
	};

	test('components as a list of {name, status}', () => {
		const r = read({ components: [{ name: 'db', status: 'UP' }, { id: 'llm', status: 'degraded' }, { status: 'down' }] });
		expect(r.components.map((c) => [c.name, c.status])).toEqual([['db', 'pass'], ['llm', 'warn'], ['component 3', 'fail']]);
		// No top-level status: the worst component decides.
		expect(r.checks[0]).toMatchObject({ name: 'components', status: 'fail' });
	});

	test('Spring-style {status: UP, components: {db: {status: UP}}}', () => {
		const r = read({ status: 'UP', components: { db: { status: 'UP' } } });
		expect(r.checks[0]).toMatchObject({ name: 'reported status', status: 'pass' });
	});

	test('an unrecognised status word is unknown, and a missing one is reported', () => {
		expect(read({ status: 'purple' }).checks[0]).toMatchObject({ status: 'unknown', message: 'service reports an unrecognised status purple' });
		expect(read({ version: 1 }).checks[0]).toMatchObject({ status: 'unknown', message: 'health answer has no status field' });
		expect(read([1, 2]).checks[0]).toMatchObject({ status: 'fail', message: 'health answer is not a JSON object' });
	});
});
