import { PRESETS, qdrantCollectionUrl, resolveTargetUrl } from '../../../nodes/RagHealthCheck/presets';

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
		const { checkTarget } = await import('../../../nodes/RagHealthCheck/checkTarget');
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
