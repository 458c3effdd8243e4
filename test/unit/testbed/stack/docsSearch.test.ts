/**
 * The example RAG API's full-text search over docs/ (testbed/stack/docsSearch.ts):
 * tokens, anchors, sections and BM25 against hand-computed values; then the
 * API searching the real docs/ graded by the RAG Retrieval Check node with
 * the shipped golden set, and a broken re-index caught by recall and drift.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { anchor, buildIndex, readDocs, sections, tokenize } from '../../../../testbed/stack/docsSearch';
import { startRagApi, type RagApi } from '../../../../testbed/stack/ragApi';
import { RagRetrievalCheck } from '../../../../nodes/RagRetrievalCheck/RagRetrievalCheck.node';
import { runNode } from '../../../support/nodeHarness';

const DOCS = join(__dirname, '../../../../docs');
const GOLDEN = readFileSync(join(__dirname, '../../../../testbed/stack/golden-docs.jsonl'));

describe('docsSearch building blocks', () => {
	test('tokens: lower case, accents folded, stop words dropped, plural s stripped', () => {
		expect(tokenize('The Checks of Qdrant’s Snapshots — café, class 2xx')).toEqual(['check', 'qdrant', 'snapshot', 'cafe', 'class', '2xx']);
	});
	test('anchors as GitHub makes them', () => {
		expect(anchor('RagApiDown')).toBe('ragapidown');
		expect(anchor('Retention (`nodes/shared/retention.ts`)')).toBe('retention-nodessharedretentionts');
		expect(anchor('What n8n does (2.40.7)')).toBe('what-n8n-does-2407');
	});
	test('sections split at headings of level 1 to 3, not inside code fences; repeated anchors get -1', () => {
		const md = '# Title\nintro\n## Setup\none\n```sh\n# not a heading\n```\n#### deep stays inside\n## Setup\ntwo\n';
		expect(sections(md, 'guide')).toEqual([
			{ id: 'guide#title', heading: 'Title', body: 'intro' },
			{ id: 'guide#setup', heading: 'Setup', body: 'one\n```sh\n# not a heading\n```\n#### deep stays inside' },
			{ id: 'guide#setup-1', heading: 'Setup', body: 'two' },
		]);
	});
	test('BM25 per field with the heading weighted 2 (hand-computed)', () => {
		const index = buildIndex([
			{ id: 'a', heading: 'Alpha', body: 'cat dog' },
			{ id: 'b', heading: 'Beta', body: 'cat cat bird' },
		]);
		// "dogs" → dog: only a's body; N = 2, n = 1: idf = ln(1 + 1.5/1.5) = ln 2; |a.body| = 2, avg 2.5:
		// ln2 · 1 · 2.2 / (1 + 1.2 · (0.25 + 0.75 · 2/2.5)) = ln2 · 2.2 / 2.02
		expect(index.search('dogs', 5)).toEqual([{ id: 'a', score: Math.round(((Math.LN2 * 2.2) / 2.02) * 1e4) / 1e4, text: 'cat dog' }]);
		// "alpha" in a's heading (all headings one token long): 2 · ln2 · 2.2 / 2.2 = 2 ln 2
		expect(index.search('alpha', 5)[0]).toMatchObject({ id: 'a', score: Math.round(2 * Math.LN2 * 1e4) / 1e4 });
		// "cat" is in both bodies: idf = ln(1 + 0.5/2.5); b has tf 2, a is shorter: b first.
		expect(index.search('cat', 5).map((h) => h.id)).toEqual(['b', 'a']);
		expect(index.search('cat', 1)).toHaveLength(1);
		expect(index.search('the of', 5)).toEqual([]);
	});
});

describe('the example RAG API searching docs/, graded by the RAG Retrieval Check', () => {
	let api: RagApi;
	afterEach(async () => {
		await api?.stop();
	});

	const check = async (baseline?: unknown) =>
		await runNode({
			node: new RagRetrievalCheck(),
			inputItems: [{ json: {}, binary: { data: { data: GOLDEN.toString('base64'), mimeType: 'application/x-ndjson', fileName: 'golden-docs.jsonl' } } }],
			parameters: { checkName: 'docs', caseSource: 'file', fileSource: 'binary', searchPreset: 'ragApi', url: api.url, defaultK: 5, baseline: baseline === undefined ? '' : JSON.stringify(baseline), options: { retries: 0 } },
		});

	test('the shipped golden set passes on the real index, and a re-run overlaps its baseline fully', async () => {
		api = await startRagApi({ corpus: buildIndex(readDocs(DOCS)) });
		const res = await fetch(`${api.url}/query`, { method: 'POST', body: JSON.stringify({ question: 'Watchdog heartbeat', k: 2 }) });
		const answer = (await res.json()) as { documents: Array<{ id: string }> };
		expect(answer.documents).toHaveLength(2);
		expect(answer.documents[0].id).toBe('runbooks#watchdog');

		const first = await check();
		expect(first.error).toBeUndefined();
		const summary = first.outputs[0][0].json;
		expect(summary).toMatchObject({ status: 'pass', cases: 11, labelledCases: 10, errors: 0, emptyRatio: 0 });
		expect(summary.hitRate as number).toBeGreaterThanOrEqual(0.9);

		const again = await check(summary.baseline);
		expect(again.outputs[0][0].json).toMatchObject({ status: 'pass', overlap: 1, comparedToBaseline: 11 });
	});

	test('a broken re-index (half of the corpus lost) fails on recall and on drift', async () => {
		api = await startRagApi({ corpus: buildIndex(readDocs(DOCS)) });
		const baseline = (await check()).outputs[0][0].json.baseline;
		await api.stop();
		// Keep only the node pages: runbooks, scaling, demo… are gone from the index.
		api = await startRagApi({ corpus: buildIndex(readDocs(DOCS).filter((s) => s.id.startsWith('nodes/'))) });
		const run = await check(baseline);
		const [failed] = run.outputs[1];
		expect(run.outputs[0]).toEqual([]);
		expect(failed.json.status).toBe('fail');
		expect(failed.json.hitRate as number).toBeLessThan(0.8);
		expect(failed.json.overlap as number).toBeLessThan(0.8);
		expect((failed.json.checks as Array<{ measure: string; status: string }>).filter((c) => c.status === 'fail').map((c) => c.measure)).toContain('hitRate');
	});
});
