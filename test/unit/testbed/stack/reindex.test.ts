/**
 * The example stack really retrieves from Qdrant: the ingestion service writes
 * docs/ into the stand-in's `docs` collection, the RAG API ranks what the
 * collection holds, and the RAG Retrieval Check node grades it with the
 * shipped golden set. A bad re-index (POST /admin/reindex-mode + a run through
 * POST /runs) drops recall@5 far below the good index; a snapshot taken
 * before it and recovered with the official Qdrant client brings the good
 * answers back, from a URL, a file:// location and an upload alike.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { QdrantClient } from '@qdrant/js-client-rest';

import { buildIndex, readDocs } from '../../../../testbed/stack/docsSearch';
import { chunk, indexDocs, pointsOf } from '../../../../testbed/stack/docsIndexer';
import { qdrantCorpus } from '../../../../testbed/stack/qdrantCorpus';
import { DOCS_DIR, startExampleStack, type ExampleStack } from '../../../../testbed/stack/stack';
import { measureCase } from '../../../../nodes/RagRetrievalCheck/measures';
import { RagRetrievalCheck } from '../../../../nodes/RagRetrievalCheck/RagRetrievalCheck.node';
import { runNode } from '../../../support/nodeHarness';
import { QdrantStandIn } from '../../../../testbed/stack/qdrantStandIn';

const GOLDEN_FILE = join(__dirname, '../../../../testbed/stack/golden-docs.jsonl');
const GOLDEN = readFileSync(GOLDEN_FILE);
const CASES = GOLDEN.toString('utf8')
	.trim()
	.split('\n')
	.map((line) => JSON.parse(line) as { id: string; query: string; expected?: string[] });
const LABELLED = CASES.filter((c): c is { id: string; query: string; expected: string[] } => Array.isArray(c.expected));

let stack: ExampleStack;
let client: QdrantClient;

beforeAll(async () => {
	stack = await startExampleStack();
	client = new QdrantClient({ url: stack.urls.qdrant, checkCompatibility: false });
});
afterAll(async () => {
	await stack?.stop();
});
afterEach(async () => {
	// Each test starts from the good index.
	stack.ingestion.setReindexMode('good');
	await stack.ingestion.rebuildIndex();
});

const query = async (question: string, k = 5) => {
	const res = await fetch(`${stack.urls.ragApi}/query`, { method: 'POST', body: JSON.stringify({ question, k }) });
	expect(res.status).toBe(200);
	return ((await res.json()) as { documents: Array<{ id: string; score: number; text: string }> }).documents;
};

/** Mean recall@5 of the golden set, computed by the node's own measures module. */
const recallAt5 = async () => {
	let sum = 0;
	for (const c of LABELLED) sum += measureCase((await query(c.query)).map((d) => d.id), c.expected, 5, 'any').recall;
	return sum / LABELLED.length;
};

/** The RAG Retrieval Check node over the golden file against the stack's RAG API. */
const check = async () => {
	const run = await runNode({
		node: new RagRetrievalCheck(),
		inputItems: [{ json: {}, binary: { data: { data: GOLDEN.toString('base64'), mimeType: 'application/x-ndjson', fileName: 'golden-docs.jsonl' } } }],
		parameters: { checkName: 'docs', caseSource: 'file', fileSource: 'binary', searchPreset: 'ragApi', url: stack.urls.ragApi, defaultK: 5, options: { retries: 0 } },
	});
	expect(run.error).toBeUndefined();
	return [...run.outputs[0], ...run.outputs[1]][0]!.json as { status: string; recall: number; hitRate: number };
};

/** An ingestion run through the service's HTTP API, polled until it ends. */
const ingest = async (key: string) => {
	const start = await fetch(`${stack.urls.ingestion}/runs`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'Idempotency-Key': key },
		body: JSON.stringify({ source: 'docs', mode: 'full' }),
	});
	expect(start.status).toBe(202);
	const { run_id } = (await start.json()) as { run_id: string };
	for (let i = 0; i < 10; i++) {
		const run = (await (await fetch(`${stack.urls.ingestion}/runs/${run_id}`)).json()) as { status: string; chunks_written: number; errors: string[] };
		if (run.status !== 'running') return run;
	}
	throw new Error('the run did not finish');
};

const setMode = async (mode: unknown) =>
	await fetch(`${stack.urls.ingestion}/admin/reindex-mode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode }) });

test('the seeded collection holds one point per docs/ section, and /query ranks exactly as BM25 over docs/ directly', async () => {
	const sections = readDocs(DOCS_DIR);
	const points = stack.qdrant.points('docs');
	expect(points.map((p) => p.payload.doc_id).sort()).toEqual(sections.map((s) => s.id).sort());
	expect((await client.getCollection('docs')).points_count).toBe(sections.length);
	const direct = buildIndex(sections);
	for (const c of CASES) expect(await query(c.query, 10)).toEqual(direct.search(c.query, 10));
});

test('good mode keeps recall@5 and the node passes; bad mode (set over HTTP, run via POST /runs) drops recall@5 far below and the node fails', async () => {
	const good = await recallAt5();
	expect(good).toBeGreaterThanOrEqual(0.75);
	expect(await check()).toMatchObject({ status: 'pass' });

	// A good re-index through a run rebuilds the collection with the same content: same answers.
	expect(await ingest('good-1')).toMatchObject({ status: 'succeeded', chunks_written: readDocs(DOCS_DIR).length, errors: [] });
	expect(await recallAt5()).toBe(good);

	expect(await (await setMode('bad')).json()).toEqual({ mode: 'bad' });
	expect(stack.ingestion.reindexMode).toBe('bad');
	const bad = await ingest('bad-1');
	expect(bad).toMatchObject({ status: 'succeeded', chunks_written: chunk(readDocs(DOCS_DIR), 'bad').length });
	const badRecall = await recallAt5();
	expect(badRecall).toBeLessThanOrEqual(good / 2);
	const graded = await check();
	expect(graded.status).toBe('fail');
	expect(graded.recall).toBeLessThan(0.4);

	// Back to good: the next run repairs the index.
	expect((await setMode('good')).status).toBe(200);
	await ingest('good-2');
	expect(await recallAt5()).toBe(good);
});

test('the switch refuses anything but "good" and "bad" (HTTP 400, in code a thrown error); the mode stays', async () => {
	const refused = await setMode('worse');
	expect([refused.status, ((await refused.json()) as { error: string }).error]).toEqual([400, 'mode must be one of "good", "bad"']);
	expect((await fetch(`${stack.urls.ingestion}/admin/reindex-mode`, { method: 'POST', body: 'not json' })).status).toBe(400);
	expect(() => stack.ingestion.setReindexMode('worse' as 'good')).toThrow('reindex mode must be one of good, bad');
	expect(await (await fetch(`${stack.urls.ingestion}/admin/reindex-mode`)).json()).toEqual({ mode: 'good' });
});

test('the bad re-index differs in chunking, truncation and id seed, not by chance', () => {
	const sections = readDocs(DOCS_DIR);
	const good = pointsOf(sections, 'good');
	const bad = pointsOf(sections, 'bad');
	expect(bad.length).toBe(chunk(sections, 'bad').length);
	expect(bad.length).toBeLessThan(good.length / 2);
	expect(Math.max(...bad.map((p) => p.payload.text.split(' ').length))).toBeLessThanOrEqual(40);
	// The same first section under both modes gets another id (another seed).
	const goodIds = new Set(good.map((p) => p.id));
	expect(bad.filter((p) => goodIds.has(p.id))).toEqual([]);
	// Deterministic: the same corpus gives the same points.
	expect(pointsOf(sections, 'good')).toEqual(good);
});

test('snapshot → bad re-index → recover (official client, from the snapshot URL) → the good answers again', async () => {
	const before = await recallAt5();
	const goodAnswers = await query('How do I restore a Qdrant snapshot?');
	const snapshot = (await client.createSnapshot('docs', { wait: true }))!;

	await setMode('bad');
	await ingest('bad-2');
	expect(await recallAt5()).toBeLessThanOrEqual(before / 2);
	expect((await client.getCollection('docs')).points_count).toBe(chunk(readDocs(DOCS_DIR), 'bad').length);

	const location = `${stack.urls.qdrant}/collections/docs/snapshots/${snapshot.name}`;
	expect(await client.recoverSnapshot('docs', { location, checksum: snapshot.checksum!, priority: 'snapshot' })).toBe(true);
	expect((await client.getCollection('docs')).points_count).toBe(readDocs(DOCS_DIR).length);
	expect(await query('How do I restore a Qdrant snapshot?')).toEqual(goodAnswers);
	expect(await recallAt5()).toBe(before);
	expect(await check()).toMatchObject({ status: 'pass' });
});

test('recovery by upload and from a file:// location restores the points too; an opaque snapshot leaves them', async () => {
	const before = await recallAt5();
	const snapshot = (await client.createSnapshot('docs'))!;
	const bytes = Buffer.from(await (await fetch(`${stack.urls.qdrant}/collections/docs/snapshots/${snapshot.name}`)).arrayBuffer());

	await setMode('bad');
	await ingest('bad-3');
	const form = new FormData();
	form.append('snapshot', new Blob([bytes]), 'before-bad.snapshot');
	const uploaded = await fetch(`${stack.urls.qdrant}/collections/docs/snapshots/upload?priority=snapshot`, { method: 'POST', body: form });
	expect(uploaded.status).toBe(200);
	expect(await recallAt5()).toBe(before);

	await ingest('bad-4');
	expect(await client.recoverSnapshot('docs', { location: `file:///qdrant/snapshots/docs/${snapshot.name}` })).toBe(true);
	expect(await recallAt5()).toBe(before);

	// A seeded (opaque) snapshot carries no points: recovering it changes nothing.
	const opaque = stack.qdrant.addSnapshot('docs', { content: { size: 2048, seed: 9 } });
	expect(await client.recoverSnapshot('docs', { location: `file:///qdrant/snapshots/docs/${opaque.name}` })).toBe(true);
	expect(await recallAt5()).toBe(before);
});

test('Qdrant unreachable: /query answers 503 with the reason (not stale or empty results), and a run fails', async () => {
	const down = await startExampleStack();
	await down.qdrant.stop();
	const res = await fetch(`${down.urls.ragApi}/query`, { method: 'POST', body: JSON.stringify({ question: 'watchdog' }) });
	expect(res.status).toBe(503);
	expect(((await res.json()) as { error: string }).error).toMatch(/^vector store unavailable: /);
	// An ingestion run whose writes fail is a failed run, and writes no manifest.
	const { run_id } = (await (await fetch(`${down.urls.ingestion}/runs`, { method: 'POST', body: '{"source":"docs"}' })).json()) as { run_id: string };
	let run: { status: string; errors: string[] } = { status: 'running', errors: [] };
	for (let i = 0; i < 5 && run.status === 'running'; i++) run = (await (await fetch(`${down.urls.ingestion}/runs/${run_id}`)).json()) as typeof run;
	expect(run.status).toBe('failed');
	expect(run.errors[0]).toMatch(/^writing the index to Qdrant failed: /);
	expect((await fetch(down.urls.manifest)).status).toBe(404);
	await down.stop();
});

test('the RAG API side rebuilds its index only when the collection changes, and answers a restore to a known state from cache', async () => {
	const qdrant = new QdrantStandIn({ apiKey: 'k' });
	await qdrant.start();
	try {
		const target = { url: qdrant.url, collection: 'docs', apiKey: 'k' };
		await indexDocs(target, DOCS_DIR, 'good');
		const corpus = qdrantCorpus(target);
		const [a, b] = await Promise.all([corpus.current(), corpus.current()]);
		expect(a).toBe(b);
		expect(await corpus.current()).toBe(a);
		expect(corpus.rebuilds).toBe(1);
		const snapshot = (await (await fetch(`${qdrant.url}/collections/docs/snapshots`, { method: 'POST', headers: { 'api-key': 'k' } })).json()) as { result: { name: string } };

		await indexDocs(target, DOCS_DIR, 'bad');
		const bad = await corpus.current();
		expect(bad).not.toBe(a);
		expect(bad.size).toBe(chunk(readDocs(DOCS_DIR), 'bad').length);
		expect(corpus.rebuilds).toBe(2);

		const recovered = await fetch(`${qdrant.url}/collections/docs/snapshots/recover`, {
			method: 'PUT',
			headers: { 'api-key': 'k', 'content-type': 'application/json' },
			body: JSON.stringify({ location: `file:///qdrant/snapshots/docs/${snapshot.result.name}` }),
		});
		expect(recovered.status).toBe(200);
		expect(await corpus.current()).toBe(a);
		expect(corpus.rebuilds).toBe(2);

		// One point removed behind the pipeline's back is a change too.
		await fetch(`${qdrant.url}/collections/docs/points/delete?wait=true`, {
			method: 'POST',
			headers: { 'api-key': 'k', 'content-type': 'application/json' },
			body: JSON.stringify({ points: [qdrant.points('docs')[0]!.id] }),
		});
		expect((await corpus.current()).size).toBe(a.size - 1);
		expect(corpus.rebuilds).toBe(3);
	} finally {
		await qdrant.stop();
	}
});
