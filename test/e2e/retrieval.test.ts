/**
 * The RAG Retrieval Check inside real n8n 2.40 (packed and installed as a
 * community package by the test bed), run with `n8n execute` against the
 * local search service of the unit tests (testbed/faults/searchServer.ts):
 * golden cases from a Code node's items against the OpenAI vector-store
 * shape with the RAG service credential (imported, encrypted by n8n) leave by
 * Pass with their measures; a drifted ranking against a baseline leaves by Fail.
 */
import { N8nTestBed } from '../../testbed/n8n/testbed';
import { startSearchServer, type SearchServer } from '../../testbed/faults/searchServer';

jest.setTimeout(600_000);

let bed: N8nTestBed;
let server: SearchServer;

beforeAll(async () => {
	server = await startSearchServer();
	server.answers.set('reset password', [{ id: 'auth', score: 0.9 }, { id: 'faq', score: 0.8 }, { id: 'billing', score: 0.5 }]);
	server.answers.set('pricing', [{ id: 'billing', score: 0.95 }, { id: 'faq', score: 0.6 }]);
	server.answers.set('deploy', [{ id: 'x', score: 0.7 }, { id: 'deploy', score: 0.7 }]);
	bed = await N8nTestBed.create();
});

afterAll(async () => {
	await bed?.dispose();
	await server?.stop();
});

test('Retrieval Check in real n8n: measures via the credential, Pass / Fail routing, baseline drift', async () => {
	const [credentialId] = await bed.importCredentials([
		{ name: 'OpenAI key', type: 'ragServiceApi', data: { authType: 'bearer', token: server.openaiToken } },
	]);
	const golden = [
		{ id: 'reset', query: 'reset password', expected: ['auth'] },
		{ id: 'pricing', query: 'pricing', expected: ['billing'] },
		{ id: 'deploy', query: 'deploy', expected: ['deploy'] },
	];
	const baseline = [{ caseId: 'reset', ids: ['billing', 'faq', 'auth'] }, { caseId: 'pricing', ids: ['billing', 'faq'] }];
	const to = (...names: string[]) => ({ main: [names.map((node) => ({ node, type: 'main', index: 0 }))] });
	const run = await bed.run({
		name: 'e2e: retrieval check',
		nodes: [
			{ id: 'manual', name: 'Manual', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'golden',
				name: 'Golden Set',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [200, 0],
				parameters: { jsCode: `return ${JSON.stringify(golden)}.map((c) => ({ json: c }));` },
			},
			{
				id: 'openai',
				name: 'Check OpenAI Store',
				type: 'n8n-nodes-ragops.ragRetrievalCheck',
				typeVersion: 1,
				position: [400, 0],
				parameters: {
					checkName: 'docs',
					caseSource: 'items',
					searchPreset: 'openaiVectorStore',
					url: server.baseUrl,
					vectorStoreId: 'vs_e2e',
					authentication: 'ragServiceApi',
					defaultK: 3,
					options: { output: 'cases', retries: 0 },
				},
				credentials: { ragServiceApi: { id: credentialId, name: 'OpenAI key' } },
			},
			{
				id: 'drift',
				name: 'Check Drift',
				type: 'n8n-nodes-ragops.ragRetrievalCheck',
				typeVersion: 1,
				position: [200, 200],
				parameters: {
					checkName: 'docs-drift',
					caseSource: 'list',
					cases: { case: golden.slice(0, 2).map((c) => ({ id: c.id, query: c.query, expected: '', match: 'any', mustNotContain: '', k: 0, minScore: '' })) },
					searchPreset: 'ragApi',
					url: server.baseUrl,
					defaultK: 3,
					baseline: JSON.stringify({ baseline }),
					thresholds: { threshold: [{ measure: 'overlap', warn: 0.98, fail: 0.95 }] },
					options: { retries: 0 },
				},
			},
		],
		connections: { Manual: to('Golden Set', 'Check Drift'), 'Golden Set': to('Check OpenAI Store') },
		settings: { executionOrder: 'v1' },
	});
	expect(run.error).toBeUndefined();

	const [pass, fail] = run.outputs('Check OpenAI Store');
	expect(fail).toHaveLength(0);
	expect(pass.map((i) => [i.json.caseId, i.json.status, i.json.reciprocalRank])).toEqual([
		['reset', 'hit', 1],
		['pricing', 'hit', 1],
		['deploy', 'hit', 0.5],
	]);
	expect(pass[0].json.run).toMatchObject({ status: 'pass', hitRate: 1, recall: 1, mrr: 0.8333, errors: 0 });
	const searches = server.requests.filter((r) => r.path === '/v1/vector_stores/vs_e2e/search');
	expect(searches).toHaveLength(3);
	expect(searches.every((r) => r.headers.authorization === `Bearer ${server.openaiToken}`)).toBe(true);

	const [driftPass, driftFail] = run.outputs('Check Drift');
	expect(driftPass).toHaveLength(0);
	const summary = driftFail[0].json;
	// reset: [auth, faq, billing] vs [billing, faq, auth]: X1 = 0, X2 = 1, X3 = 3 → 0.855; pricing unchanged → 1.
	expect(summary).toMatchObject({ status: 'fail', comparedToBaseline: 2, minOverlap: 0.855, message: expect.stringMatching(/^fail \(overlap vs baseline 0\.927 < 0\.95\)/) });
	expect(summary.overlap).toBeCloseTo((0.855 + 1) / 2, 4);
	expect(summary.baseline).toEqual([{ caseId: 'reset', ids: ['auth', 'faq', 'billing'] }, { caseId: 'pricing', ids: ['billing', 'faq'] }]);
});
