/**
 * The RAG Retrieval Check node inside n8n-core's real execution engine (the
 * harness), calling a local search service on 127.0.0.1 in the shapes of the
 * node's presets (testbed/faults/searchServer.ts), and a real Pushgateway.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { RagRetrievalCheck } from '../../../../nodes/RagRetrievalCheck/RagRetrievalCheck.node';
import { SEARCH_PRESETS } from '../../../../nodes/RagRetrievalCheck/presets';
import { runNode } from '../../../support/nodeHarness';
import { startPushgateway } from '../../../../testbed/pushgatewayServer';
import { startSearchServer, type SearchServer } from '../../../../testbed/faults/searchServer';
import { parseExposition } from '../../../support/promText';

const PASS = 0;
const FAIL = 1;
const LOG2_3 = Math.log2(3);

let server: SearchServer;
beforeAll(async () => {
	server = await startSearchServer();
});
afterAll(async () => {
	await server.stop();
});
beforeEach(() => {
	server.answers.clear();
	server.answers.set('reset password', [
		{ id: 'auth', score: 0.9, text: 'Reset your password from the sign-in page.' },
		{ id: 'faq', score: 0.8 },
		{ id: 'billing', score: 0.5 },
	]);
	server.answers.set('pricing', [{ id: 'billing', score: 0.95 }, { id: 'faq', score: 0.6 }]);
	// A tie: x and deploy score the same; the API put x first.
	server.answers.set('deploy', [{ id: 'x', score: 0.7 }, { id: 'deploy', score: 0.7 }, { id: 'ops', score: 0.4 }]);
	server.answers.set('label free', [{ id: 'a', score: 0.3 }, { id: 'b', score: 0.2 }]);
	server.requests.length = 0;
});

const node = new RagRetrievalCheck();

type Case = { id?: string; query: string; expected?: string; match?: string; mustNotContain?: string; k?: number; minScore?: string };
const GOLDEN: Case[] = [
	{ id: 'reset', query: 'reset password', expected: 'auth' },
	{ id: 'pricing', query: 'pricing', expected: 'billing, plans', match: 'all' },
	{ id: 'deploy', query: 'deploy', expected: 'deploy' },
	{ id: 'unknown', query: 'nothing like it', expected: 'none' },
	{ id: 'free', query: 'label free' },
];

function params(cases: Case[], extra: INodeParameters = {}, options: INodeParameters = {}): INodeParameters {
	return {
		checkName: 'docs',
		caseSource: 'list',
		cases: { case: cases.map((c) => ({ id: '', expected: '', match: 'any', mustNotContain: '', k: 0, minScore: '', ...c })) },
		searchPreset: 'ragApi',
		url: server.baseUrl,
		defaultK: 3,
		options: { retries: 0, timeout: 5000, ...options },
		...extra,
	};
}

const only = (outputs: INodeExecutionData[][], index: number) => {
	expect(outputs[1 - index] ?? []).toEqual([]);
	return outputs[index];
};
const byCase = (json: IDataObject) => new Map((json.caseResults as IDataObject[]).map((c) => [c.caseId as string, c]));

describe('RAG Retrieval Check: measures over a golden set (example RAG API preset)', () => {
	test('computes recall@k, MRR, nDCG@k, empty ratio and latency, and fails on the default hit-rate threshold', async () => {
		const run = await runNode({ node, parameters: params(GOLDEN) });
		expect(run.error).toBeUndefined();
		const [item] = only(run.outputs, FAIL);
		const s = item.json;
		// Labelled: reset hit (RR 1, nDCG 1), pricing all-of miss (recall 1/2, RR 1, nDCG 1/(1+1/log2 3)),
		// deploy hit at rank 2 (RR 1/2, nDCG 1/log2 3), unknown miss (all 0).
		expect(s).toMatchObject({ status: 'fail', goldenSet: 'docs', k: 3, cases: 5, labelledCases: 4, answeredCases: 5, errors: 0, invalidCases: 0 });
		expect(s.hitRate).toBe(0.5);
		expect(s.recall).toBe(0.625);
		expect(s.mrr).toBe(0.625);
		expect(s.ndcg).toBeCloseTo((1 + 1 / (1 + 1 / LOG2_3) + 1 / LOG2_3) / 4, 4);
		expect(s.emptyRatio).toBe(0.2);
		expect(s.errorRatio).toBe(0);
		expect(s.overlap).toBeNull();
		expect((s.latencyMs as IDataObject).p95).toEqual(expect.any(Number));
		expect(s.message).toMatch(/^fail \(hit rate 0\.5 < 0\.8\): 5 cases, hit rate@3 0\.50, recall 0\.63, MRR 0\.63, nDCG 0\.56, no baseline/);
		// The default thresholds (from the node's description) graded the run; the baseline one was not measured.
		expect((s.checks as IDataObject[]).map((c) => [c.measure, c.status])).toEqual([
			['hitRate', 'fail'],
			['overlap', 'skipped'],
			['emptyRatio', 'warn'],
			['errorRatio', 'pass'],
			['violationRatio', 'skipped'],
		]);
		const cases = byCase(s);
		expect(cases.get('pricing')).toMatchObject({ status: 'miss', hit: false, recall: 0.5, found: ['billing'], missing: ['plans'], match: 'all' });
		expect(cases.get('deploy')).toMatchObject({ status: 'hit', reciprocalRank: 0.5, rankedIds: ['x', 'deploy', 'ops'] });
		expect(cases.get('unknown')).toMatchObject({ status: 'miss', rankedIds: [], results: [] });
		expect(cases.get('free')).toMatchObject({ status: 'unlabelled', rankedIds: ['a', 'b'] });
		expect(cases.get('free')!.recall).toBeUndefined();
		expect(cases.get('reset')!.results).toEqual([
			{ rank: 1, id: 'auth', score: 0.9, text: 'Reset your password from the sign-in page.' },
			{ rank: 2, id: 'faq', score: 0.8, text: '' },
			{ rank: 3, id: 'billing', score: 0.5, text: '' },
		]);
		// The next baseline: every answered case's ranked ids, as a list (ids are never object keys).
		expect(s.baseline).toEqual([
			{ caseId: 'reset', ids: ['auth', 'faq', 'billing'] },
			{ caseId: 'pricing', ids: ['billing', 'faq'] },
			{ caseId: 'deploy', ids: ['x', 'deploy', 'ops'] },
			{ caseId: 'unknown', ids: [] },
			{ caseId: 'free', ids: ['a', 'b'] },
		]);
		expect(item.pairedItem).toEqual({ item: 0 });
		// Every case was one POST /query with the question and k in the example API's shape.
		expect(server.requests.map((r) => [r.method, r.path, JSON.parse(r.body)])).toEqual(
			GOLDEN.map((c) => ['POST', '/query', { question: c.query, k: 3 }]),
		);
		expect(server.requests[0].headers['content-type']).toBe('application/json');
	});

	test('passes when the thresholds hold; a warn leaves by Pass unless told otherwise', async () => {
		const thresholds = { threshold: [{ measure: 'hitRate', warn: 0.5, fail: 0.4 }, { measure: 'emptyRatio', warn: 0.1, fail: 0.5 }] };
		const warn = await runNode({ node, parameters: params(GOLDEN, { thresholds }) });
		expect(only(warn.outputs, PASS)[0].json).toMatchObject({ status: 'warn', message: expect.stringMatching(/^warn \(empty-result ratio 0\.2 > 0\.1\)/) });
		const toFail = await runNode({ node, parameters: params(GOLDEN, { thresholds }, { warnOutput: 'fail' }) });
		expect(only(toFail.outputs, FAIL)[0].json.status).toBe('warn');
		const clean = await runNode({ node, parameters: params(GOLDEN.slice(0, 3), { thresholds }) });
		expect(only(clean.outputs, PASS)[0].json).toMatchObject({ status: 'pass', hitRate: 0.6667 });
	});

	test('per-case k and minimum score; must-not-contain violations fail the run', async () => {
		const run = await runNode({
			node,
			parameters: params([
				{ id: 'k1', query: 'deploy', expected: 'deploy', k: 1 },
				{ id: 'min', query: 'reset password', expected: 'billing', minScore: '0.6' },
				{ id: 'forbid', query: 'pricing', mustNotContain: 'faq' },
			]),
		});
		const [item] = only(run.outputs, FAIL);
		const cases = byCase(item.json);
		expect(cases.get('k1')).toMatchObject({ k: 1, hit: false, rankedIds: ['x'] });
		expect(cases.get('min')).toMatchObject({ hit: false, minScore: 0.6, rankedIds: ['auth', 'faq'] });
		expect(cases.get('forbid')).toMatchObject({ status: 'unlabelled', forbiddenFound: ['faq'] });
		expect(item.json.violationRatio).toBe(1);
		expect(JSON.parse(server.requests[0].body)).toEqual({ question: 'deploy', k: 1 });
	});

	test('one item per case, paired with the input item it came from (cases from input items)', async () => {
		const inputItems = GOLDEN.slice(0, 3).map((c) => ({ json: { golden: { id: c.id, query: c.query, expected: c.expected!.split(', '), match: c.match ?? 'any' } } }));
		const run = await runNode({
			node,
			inputItems,
			parameters: { ...params([]), caseSource: 'items', caseField: 'golden', options: { retries: 0, output: 'cases' } },
		});
		expect(run.error).toBeUndefined();
		const items = only(run.outputs, FAIL); // hit rate 2/3 < 0.8
		expect(items.map((i) => [i.json.caseId, i.pairedItem])).toEqual([
			['reset', { item: 0 }],
			['pricing', { item: 1 }],
			['deploy', { item: 2 }],
		]);
		expect((items[1].json.run as IDataObject).hitRate).toBe(0.6667);
		// One summary item instead: paired with every input item it read a case from.
		const summary = await runNode({ node, inputItems, parameters: { ...params([]), caseSource: 'items', caseField: 'golden' } });
		expect(only(summary.outputs, FAIL)[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	test('searches run concurrently, never more than the limit at once', async () => {
		for (let i = 0; i < 30; i++) server.answers.set(`q${i}`, [{ id: `d${i}`, score: 1 }]);
		const cases = Array.from({ length: 30 }, (_v, i) => ({ id: `c${i}`, query: `q${i}`, expected: `d${i}` }));
		server.resetPeak();
		const run = await runNode({ node, parameters: params(cases, {}, { concurrency: 4 }) });
		expect(only(run.outputs, PASS)[0].json).toMatchObject({ status: 'pass', hitRate: 1, cases: 30 });
		expect(server.peakInFlight()).toBeLessThanOrEqual(4);
		expect(server.peakInFlight()).toBeGreaterThan(1);
	});
});

describe('RAG Retrieval Check: label-free drift against a baseline (RBO)', () => {
	test('an unchanged index overlaps 1; a reordered one less; the baseline comes from the previous output', async () => {
		const cases = GOLDEN.map((c) => ({ id: c.id, query: c.query }));
		const first = await runNode({ node, parameters: params(cases) });
		const accepted = only(first.outputs, PASS)[0].json;
		// Warn (one case retrieves nothing), which leaves by Pass.
		expect(accepted).toMatchObject({ status: 'warn', labelledCases: 0, hitRate: null, comparedToBaseline: 0 });

		const same = await runNode({ node, parameters: params(cases, { baseline: accepted.baseline as unknown as string }) });
		expect(only(same.outputs, PASS)[0].json).toMatchObject({ overlap: 1, minOverlap: 1, comparedToBaseline: 5 });

		// Re-index: "reset password" now ranks faq, billing, auth; the others disappear from "label free".
		server.answers.set('reset password', [{ id: 'faq', score: 0.9 }, { id: 'billing', score: 0.8 }, { id: 'auth', score: 0.7 }]);
		server.answers.set('label free', [{ id: 'z', score: 0.9 }]);
		// The whole previous item, as JSON text, is accepted too.
		const thresholds = { threshold: [{ measure: 'overlap', warn: 0.9, fail: 0.8 }] };
		const drifted = await runNode({ node, parameters: params(cases, { baseline: JSON.stringify(accepted), thresholds }) });
		const [item] = only(drifted.outputs, FAIL);
		const perCase = byCase(item.json);
		// X1 = 0, X2 = 1, X3 = 3: (0.1/0.9)·(1/2·0.81 + 3/3·0.729) + 1·0.729 = 0.855
		expect(perCase.get('reset')!.overlap).toBeCloseTo(0.855, 4);
		expect(perCase.get('reset')!.baselineIds).toEqual(['auth', 'faq', 'billing']);
		expect(perCase.get('free')!.overlap).toBe(0);
		expect(item.json.overlap).toBeCloseTo((0.855 + 1 + 1 + 1 + 0) / 5, 4);
		expect(item.json.minOverlap).toBe(0);
		expect(item.json.message).toMatch(/^fail \(overlap vs baseline 0\.771 < 0\.8\): 5 cases, no labelled cases, overlap 0\.77 over 5/);
	});

	test('a case may carry its own baseline ids; a bad baseline is a clear error', async () => {
		const run = await runNode({
			node,
			inputItems: [{ json: { id: 'reset', query: 'reset password', baseline: ['auth', 'faq', 'billing'] } }],
			parameters: { ...params([]), caseSource: 'items' },
		});
		expect(only(run.outputs, PASS)[0].json.overlap).toBe(1);
		const bad = await runNode({ node, parameters: params(GOLDEN, { baseline: '{"cases": 1}' }) });
		expect(bad.error?.message).toBe('Baseline: the baseline must be the "baseline" list of an earlier run: [{"caseId": "…", "ids": ["…"]}, …]');
		const badEntry = await runNode({ node, parameters: params(GOLDEN, { baseline: [{ caseId: 'x', ids: 'a' }] }) });
		expect(badEntry.error?.message).toBe('Baseline: baseline entry 1 must be {"caseId": text, "ids": [ids]}');
	});
});

describe('RAG Retrieval Check: other search APIs', () => {
	test('OpenAI vector-store search with the RAG service credential (bearer token)', async () => {
		const parameters = params(GOLDEN.slice(0, 3), { searchPreset: 'openaiVectorStore', vectorStoreId: 'vs_abc123', authentication: 'ragServiceApi' });
		const run = await runNode({ node, parameters, credentials: { ragServiceApi: { authType: 'bearer', token: server.openaiToken } } });
		expect(run.error).toBeUndefined();
		const [item] = only(run.outputs, FAIL);
		expect(item.json).toMatchObject({ hitRate: 0.6667, errors: 0 });
		expect(byCase(item.json).get('reset')!.results).toEqual([
			{ rank: 1, id: 'auth', score: 0.9, text: 'Reset your password from the sign-in page.' },
			{ rank: 2, id: 'faq', score: 0.8, text: '' },
			{ rank: 3, id: 'billing', score: 0.5, text: '' },
		]);
		expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/v1/vector_stores/vs_abc123/search' });
		expect(JSON.parse(server.requests[0].body)).toEqual({ query: 'reset password', max_num_results: 3 });
		expect(server.requests[0].headers.authorization).toBe(`Bearer ${server.openaiToken}`);

		const denied = await runNode({ node, parameters, credentials: { ragServiceApi: { authType: 'bearer', token: 'wrong' } } });
		const [failed] = only(denied.outputs, FAIL);
		expect(failed.json).toMatchObject({ status: 'fail', errors: 3, errorRatio: 1, answeredCases: 0, message: expect.stringContaining('no case got a usable answer') });
		expect(byCase(failed.json).get('reset')!.error).toEqual({ code: 'http_401', message: expect.stringContaining('HTTP 401') });
	});

	test('a custom GET API: query and k in the URL, nested result paths', async () => {
		const run = await runNode({
			node,
			parameters: params(GOLDEN.slice(0, 3), {
				searchPreset: 'custom',
				method: 'GET',
				url: `${server.baseUrl}/custom/search?q={query}&size={k}`,
				resultsPath: 'hits.items',
				idPath: 'doc.ref',
				scorePath: 'relevance',
				textPath: '',
			}),
		});
		const [item] = only(run.outputs, FAIL);
		expect(item.json.hitRate).toBe(0.6667);
		expect(byCase(item.json).get('deploy')!.results).toEqual([
			{ rank: 1, id: 'x', score: 0.7, text: null },
			{ rank: 2, id: 'deploy', score: 0.7, text: null },
			{ rank: 3, id: 'ops', score: 0.4, text: null },
		]);
		expect(server.requests.map((r) => r.path)).toContain('/custom/search?q=reset%20password&size=3');
	});

	test('a custom POST body template keeps a hostile query inside its string', async () => {
		server.answers.set('say "hi" \\ }', [{ id: 'quote', score: 1 }]);
		const run = await runNode({
			node,
			parameters: params([{ id: 'q', query: 'say "hi" \\ }', expected: 'quote' }], {
				searchPreset: 'custom',
				method: 'POST',
				url: `${server.baseUrl}/query`,
				bodyTemplate: '{"question": "{query}", "k": "{k}", "filter": {"lang": "en", "note": "top {k}"}}',
				resultsPath: 'documents',
			}),
		});
		expect(only(run.outputs, PASS)[0].json.hitRate).toBe(1);
		expect(JSON.parse(server.requests[0].body)).toEqual({ question: 'say "hi" \\ }', k: 3, filter: { lang: 'en', note: 'top 3' } });
	});
});

describe('RAG Retrieval Check: cases from files', () => {
	test('a JSONL file from a binary field', async () => {
		const jsonl = GOLDEN.slice(0, 3).map((c) => JSON.stringify({ id: c.id, query: c.query, expected: c.expected, match: c.match })).join('\n');
		const run = await runNode({
			node,
			inputItems: [{ json: {}, binary: { cases: { data: Buffer.from(jsonl).toString('base64'), mimeType: 'application/octet-stream', fileName: 'golden.jsonl' } } }],
			parameters: { ...params([]), caseSource: 'file', fileSource: 'binary', binaryProperty: 'cases' },
		});
		expect(run.error).toBeUndefined();
		expect(only(run.outputs, FAIL)[0].json).toMatchObject({ cases: 3, hitRate: 0.6667 });
	});

	test('a CSV file from a URL', async () => {
		server.files.set('golden.csv', ['text/csv', 'id,query,expected,match\nreset,reset password,auth|faq,all\npricing,pricing,billing,\n']);
		const run = await runNode({
			node,
			parameters: { ...params([]), caseSource: 'file', fileSource: 'url', fileUrl: `${server.baseUrl}/files/golden.csv` },
		});
		expect(run.error).toBeUndefined();
		const [item] = only(run.outputs, PASS);
		expect(item.json).toMatchObject({ cases: 2, hitRate: 1 });
		expect(byCase(item.json).get('reset')).toMatchObject({ match: 'all', expected: ['auth', 'faq'], hit: true });
	});

	test('file errors say what is wrong and how to fix it', async () => {
		const missing = await runNode({ node, parameters: { ...params([]), caseSource: 'file', fileSource: 'binary', binaryProperty: 'cases' }, inputItems: [{ json: {} }] });
		expect(missing.error?.message).toBe('The input item has no binary field "cases"');
		const gone = await runNode({ node, parameters: { ...params([]), caseSource: 'file', fileSource: 'url', fileUrl: `${server.baseUrl}/files/nope.json` } });
		expect(gone.error?.message).toBe(`Cannot read the case file: ${server.baseUrl}/files/nope.json answered HTTP 404`);
		server.files.set('bad.jsonl', ['application/x-ndjson', '{"query":"a"}\n{"query":\n']);
		const bad = await runNode({ node, parameters: { ...params([]), caseSource: 'file', fileSource: 'url', fileUrl: `${server.baseUrl}/files/bad.jsonl` } });
		expect(bad.error?.message).toMatch(/^Cannot read the case file \(jsonl\): line 2 of the JSONL case file is not valid JSON/);
		const binary = Buffer.from([0xff, 0xfe, 0x00, 0x41]).toString('base64');
		const notUtf8 = await runNode({
			node,
			parameters: { ...params([]), caseSource: 'file', fileSource: 'binary', binaryProperty: 'data' },
			inputItems: [{ json: {}, binary: { data: { data: binary, mimeType: 'application/json' } } }],
		});
		expect(notUtf8.error?.message).toBe('The case file is not valid UTF-8 text');
		// Size limits, from a binary field and from a URL (not downloaded past the limit).
		const big = JSON.stringify(Array.from({ length: 100 }, (_v, i) => ({ query: `q${i}`, expected: ['x'] })));
		const tooBig = await runNode({
			node,
			parameters: { ...params([]), caseSource: 'file', fileSource: 'binary', binaryProperty: 'data', options: { maxCaseFileSize: 1 } },
			inputItems: [{ json: {}, binary: { data: { data: Buffer.from(big).toString('base64'), mimeType: 'application/json' } } }],
		});
		expect(tooBig.error?.message).toBe(`The case file is ${big.length} bytes, more than the 1024 allowed`);
		server.files.set('big.json', ['application/json', big]);
		const tooBigUrl = await runNode({ node, parameters: { ...params([]), caseSource: 'file', fileSource: 'url', fileUrl: `${server.baseUrl}/files/big.json`, options: { maxCaseFileSize: 1 } } });
		expect(tooBigUrl.error?.message).toBe(`Cannot read the case file: ${server.baseUrl}/files/big.json: the case file is larger than 1024 bytes`);
	});
});

describe('RAG Retrieval Check: invalid cases and configuration', () => {
	const broken: Case[] = [GOLDEN[0], { id: 'bad-k', query: 'pricing', expected: 'billing' }, { id: 'reset', query: 'again' }];

	test('an invalid case stops the run with its position and id', async () => {
		const run = await runNode({
			node,
			inputItems: [{ json: { id: 'ok', query: 'pricing' } }, { json: { id: 'faq', query: '' } }, { json: { id: 'ok', query: 'deploy' } }],
			parameters: { ...params([]), caseSource: 'items' },
		});
		expect(run.error?.message).toBe('Case 2 (id "faq"): has no "query" (the text to search for)');
		expect(run.error?.description).toContain('Case 3 (id "ok"): has the same id as case 1');
		expect(server.requests).toEqual([]);
	});

	test('with Continue On Fail the valid cases run and each invalid one is a Fail item', async () => {
		const run = await runNode({ node, continueOnFail: true, parameters: params(broken) });
		expect(run.error).toBeUndefined();
		expect(run.outputs[PASS][0].json).toMatchObject({ status: 'pass', cases: 2, invalidCases: 1 });
		expect(run.outputs[FAIL]).toEqual([
			{ json: { status: 'fail', error: 'Case 3 (id "reset"): has the same id as case 1; case ids key the baseline, so each must be unique', casePosition: 3, caseId: 'reset', goldenSet: 'docs' }, pairedItem: { item: 0 } },
		]);
	});

	test.each([
		[{ url: 'ftp://example.com' }, 'Search URL "ftp://example.com" is not a valid http(s) URL'],
		[{ searchPreset: 'openaiVectorStore', url: 'https://api.openai.com' }, 'Vector Store ID is empty'],
		[{ searchPreset: 'openaiVectorStore', url: 'https://api.openai.com', vectorStoreId: 'vs_1', defaultK: 51 }, 'k must be at most 50 for OpenAI vector-store search, got 51'],
		[{ searchPreset: 'custom', resultsPath: 'a[' }, 'Results Path "a[" is not a valid JSON path'],
		[{ searchPreset: 'custom', bodyTemplate: '{"query": ' }, 'Body Template is not valid JSON'],
		[{ checkName: ' ' }, 'Golden Set Name is empty'],
		[{ cases: {} }, 'No golden cases to run'],
	])('configuration %j is refused clearly', async (extra, message) => {
		const run = await runNode({ node, parameters: params(GOLDEN, extra as INodeParameters) });
		expect(run.error?.message).toContain(message);
		const cont = await runNode({ node, continueOnFail: true, parameters: params(GOLDEN, extra as INodeParameters) });
		expect(cont.outputs[FAIL][0].json).toEqual({ status: 'fail', error: expect.stringContaining(message) });
	});
});

describe('RAG Retrieval Check: hostile answers', () => {
	test('non-JSON, huge, deep, missing fields, wrong shapes, errors and hangs are per-case errors; the run survives', async () => {
		const hostile = ['not-json', 'huge?bytes=5000000', 'deep?depth=100000', 'no-ids', 'no-results', 'not-array', 'status?code=500', 'hang'];
		const runs = await Promise.all(
			hostile.map(async (route) =>
				await runNode({
					node,
					parameters: params([{ id: 'c', query: 'reset password', expected: 'auth' }], { searchPreset: 'custom', url: `${server.baseUrl}/hostile/${route}`, resultsPath: 'documents' }, { timeout: 1500, maxAnswerSize: 256 }),
				}),
			),
		);
		const errors = runs.map((run) => {
			expect(run.error).toBeUndefined();
			const [item] = only(run.outputs, FAIL);
			expect(item.json).toMatchObject({ status: 'fail', errors: 1 });
			return byCase(item.json).get('c')!.error as IDataObject;
		});
		expect(errors.map((e) => e.code)).toEqual(['invalid_json', 'too_large', 'invalid_json', 'unexpected_shape', 'unexpected_shape', 'unexpected_shape', 'http_500', 'timeout']);
		expect(errors[0].message).toContain('the answer cannot be read as JSON');
		expect(errors[1].message).toBe('the answer is larger than 262144 bytes; raise "Max Answer Size" or ask for fewer results');
		// 100 000 levels of nesting are refused before parsing (the package's depth bound, nodes/shared/bounded.ts).
		expect(errors[2].message).toBe('the answer cannot be read as JSON: body is nested deeper than 64 levels, not read');
		expect(errors[5].message).toBe('the value at $.documents is not an array of results; check "Results Path"');
		expect(errors[3].message).toBe('none of the 2 results has an id (text or number) at $.id; check "ID Path"');
		expect(errors[4].message).toBe('the answer has no results at $.documents; check "Results Path"');
	});

	test('a 307 redirect on the same origin is followed with the method and the body', async () => {
		const run = await runNode({ node, parameters: params([{ id: 'c', query: 'reset password', expected: 'auth' }], { searchPreset: 'custom', url: `${server.baseUrl}/moved`, resultsPath: 'documents', bodyTemplate: '{"question": "{query}", "k": "{k}"}' }) });
		expect(only(run.outputs, PASS)[0].json.hitRate).toBe(1);
		expect(server.requests.map((r) => [r.method, r.path, r.body])).toEqual([
			['POST', '/moved', '{"question":"reset password","k":3}'],
			['POST', '/query', '{"question":"reset password","k":3}'],
		]);
	});

	test('a 503 is retried and the retry counts', async () => {
		const run = await runNode({
			node,
			parameters: params([{ id: 'c', query: 'q', expected: 'a' }], { searchPreset: 'custom', url: `${server.baseUrl}/hostile/flaky`, resultsPath: 'documents' }, { retries: 2, retryDelay: 1 }),
		});
		const [item] = only(run.outputs, PASS);
		expect(byCase(item.json).get('c')).toMatchObject({ status: 'hit', attempts: 2, statusCode: 200 });
	});
});

describe('RAG Retrieval Check: metrics', () => {
	test('pushes the ragops_retrieval_* group to a real Pushgateway; measures not taken are left out', async () => {
		const pgw = await startPushgateway();
		try {
			const run = await runNode({ node, parameters: params(GOLDEN, { pushMetrics: true }), credentials: { ragOpsPushgatewayApi: { url: pgw.url } } });
			const [item] = only(run.outputs, FAIL);
			expect(item.json.metrics).toEqual({ pushed: true, url: `${pgw.url}/metrics/job/ragops_retrieval/target/docs` });
			const series = parseExposition(await pgw.metrics()).filter((s) => s.labels.job === 'ragops_retrieval' && s.labels.target === 'docs');
			const value = (name: string, labels: Record<string, string> = {}) =>
				series.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
			expect(value('ragops_retrieval_hit_rate')).toBe(0.5);
			expect(value('ragops_retrieval_recall')).toBe(0.625);
			expect(value('ragops_retrieval_mrr')).toBe(0.625);
			expect(value('ragops_retrieval_ndcg')).toBeCloseTo(item.json.ndcg as number, 4);
			expect(value('ragops_retrieval_empty_result_ratio')).toBe(0.2);
			expect(value('ragops_retrieval_error_ratio')).toBe(0);
			expect(value('ragops_retrieval_cases')).toBe(5);
			expect(value('ragops_retrieval_k')).toBe(3);
			expect(value('ragops_retrieval_status', { status: 'fail' })).toBe(1);
			expect(value('ragops_retrieval_status', { status: 'pass' })).toBe(0);
			expect(value('ragops_retrieval_latency_p95_seconds')).toBeCloseTo(((item.json.latencyMs as IDataObject).p95 as number) / 1000, 6);
			expect(value('ragops_retrieval_last_run_timestamp_seconds')).toBeGreaterThan(1.7e9);
			// No baseline given: no overlap series (not a made-up 0).
			expect(value('ragops_retrieval_baseline_overlap')).toBeUndefined();
		} finally {
			await pgw.stop();
		}
	});
});

describe('RAG Retrieval Check as an AI tool', () => {
	// What n8n's convertNodeToAiTool does to the type name; the agent then gets output 0 only.
	const tool = new RagRetrievalCheck();
	tool.description = { ...tool.description, name: 'ragRetrievalCheckTool' };

	test('a failing run reaches the agent on output 0, compact: verdict, measures, worst cases', async () => {
		const run = await runNode({ node: tool, parameters: params(GOLDEN) });
		const [item] = only(run.outputs, PASS);
		expect(item.json).toMatchObject({ status: 'fail', hitRate: 0.5, checksNotPassing: ['hit rate 0.5 < 0.8', 'empty-result ratio 0.2 > 0'], message: expect.stringMatching(/^fail/) });
		expect(item.json.worstCases).toEqual([
			{ caseId: 'pricing', query: 'pricing', status: 'miss', missing: ['plans'] },
			{ caseId: 'unknown', query: 'nothing like it', status: 'miss', missing: ['none'] },
		]);
		expect(item.json.caseResults).toBeUndefined();
		expect(item.json.baseline).toBeUndefined();
		expect(JSON.stringify(item.json).length).toBeLessThan(1500);
	});

	test('a configuration error with Continue On Fail also reaches the agent', async () => {
		const run = await runNode({ node: tool, continueOnFail: true, parameters: params(GOLDEN, { url: 'ftp://x' }) });
		expect(only(run.outputs, PASS)[0].json).toEqual({ status: 'fail', error: 'Search URL "ftp://x" is not a valid http(s) URL' });
	});
});

describe('RAG Retrieval Check: description', () => {
	test("the custom preset's fields default to the custom preset's shape (the literals n8n's lint asks for)", () => {
		const defaults = new Map(node.description.properties.map((p) => [p.name, p.default]));
		expect(defaults.get('bodyTemplate')).toBe(SEARCH_PRESETS.custom.body);
		expect(defaults.get('resultsPath')).toBe(SEARCH_PRESETS.custom.resultsPath);
		expect(defaults.get('idPath')).toBe(SEARCH_PRESETS.custom.idPath);
		expect(defaults.get('scorePath')).toBe(SEARCH_PRESETS.custom.scorePath);
		expect(defaults.get('textPath')).toBe(SEARCH_PRESETS.custom.textPath);
	});
});
