/**
 * The example stack looks like the real thing to what the generators emit:
 * its RAG API's /metrics exposes every RAG-API metric the generated rules and
 * dashboards of the shipped config query (names from the catalog, so a
 * renamed default breaks this test), with a bucket at the latency SLO
 * threshold; its /healthz flips when failed; the ingestion API writes a
 * manifest the RAG Freshness Check accepts.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildCatalog, metricsUsedBy } from '../../../../gen/catalog';
import { loadConfig } from '../../../../gen/config/load';
import { generatedExpressions } from '../../gen/prometheus/helpers';
import { validateManifest } from '../../../../nodes/RagFreshnessCheck/manifest';
import { readDocs } from '../../../../testbed/stack/docsSearch';
import { DOCS_DIR, startExampleStack, type ExampleStack } from '../../../../testbed/stack/stack';

const SHIPPED = resolve(__dirname, '../../../../ragops.config.yaml');
let stack: ExampleStack;

beforeAll(async () => {
	const cfg = loadConfig(SHIPPED);
	stack = await startExampleStack({ ragApi: { sloThreshold: cfg.services.find((s) => s.kind === 'rag-api')?.slo?.latency?.threshold } });
});
afterAll(async () => {
	await stack?.stop();
});


/** Metric names (not series) in an exposition: `# TYPE` lines and sample names. */
function exposedNames(text: string): Set<string> {
	const names = new Set<string>();
	for (const line of text.split('\n')) {
		const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{| )/.exec(line);
		if (m) names.add(m[1]);
	}
	return names;
}

test('/metrics exposes every RAG-API metric the generated rules and dashboards of the shipped config use', async () => {
	const catalog = buildCatalog(loadConfig(SHIPPED));
	const used = new Set(generatedExpressions(SHIPPED).flatMap((e) => metricsUsedBy(e)));
	const ragApiMetrics = [...used].filter((name) => catalog.get(name)?.producer === 'rag-api').sort();
	// the shipped config has a rag-api with an SLO: the request counter and the histogram series are used
	expect(ragApiMetrics).toEqual(expect.arrayContaining(['http_requests_total', 'http_request_duration_seconds_bucket']));

	await fetch(`${stack.urls.ragApi}/query`, { method: 'POST', body: JSON.stringify({ question: 'what is down?' }) });
	const text = await (await fetch(stack.urls.ragApiMetrics)).text();
	const missing = ragApiMetrics.filter((name) => !exposedNames(text).has(name));
	expect(missing).toEqual([]);
	// the labels the rules select on, and the bucket the latency SLO reads (le="1")
	expect(text).toMatch(/^http_requests_total\{route="\/query",status_code="200"\} 1$/m);
	expect(text).toMatch(/^http_request_duration_seconds_bucket\{le="1",route="\/query"\} 1$/m);
});

test('/query failures are counted as 5xx, which the error-ratio rules match', async () => {
	stack.ragApi.setFailing(true);
	try {
		expect((await fetch(`${stack.urls.ragApi}/query`, { method: 'POST', body: '{}' })).status).toBe(503);
	} finally {
		stack.ragApi.setFailing(false);
	}
	const text = await (await fetch(stack.urls.ragApiMetrics)).text();
	expect(text).toMatch(/^http_requests_total\{route="\/query",status_code="503"\} 1$/m);
});

test('/healthz is healthy, flips to unhealthy (503) when failed, and back', async () => {
	const health = async () => {
		const res = await fetch(stack.urls.ragApiHealth);
		return { code: res.status, body: (await res.json()) as { status: string; components: Record<string, string> } };
	};
	expect(await health()).toMatchObject({ code: 200, body: { status: 'healthy' } });
	stack.ragApi.setFailing(true);
	expect(await health()).toMatchObject({ code: 503, body: { status: 'unhealthy', components: { embeddings: 'unhealthy' } } });
	stack.ragApi.setFailing(false);
	expect(await health()).toMatchObject({ code: 200, body: { status: 'healthy' } });
});

test('stop() takes the RAG API off the network and start() brings it back on the same port', async () => {
	const { port } = stack.ragApi;
	await stack.ragApi.stop();
	await expect(fetch(stack.urls.ragApiHealth)).rejects.toThrow();
	await stack.ragApi.start();
	expect(stack.ragApi.port).toBe(port);
	expect((await fetch(stack.urls.ragApiHealth)).status).toBe(200);
});

test('a successful ingestion run writes a manifest the freshness check validates; a failed one leaves it alone', async () => {
	const run = async (source: string) => {
		const started = (await (await fetch(`${stack.urls.ingestion}/runs`, { method: 'POST', body: JSON.stringify({ source }) })).json()) as { run_id: string };
		let view: { status: string } = { status: 'running' };
		for (let i = 0; i < 5 && view.status === 'running'; i++) view = (await (await fetch(`${stack.urls.ingestion}/runs/${started.run_id}`)).json()) as typeof view;
		return view.status;
	};
	expect(await run('docs')).toBe('succeeded');
	const text = await (await fetch(stack.urls.manifest)).text();
	const result = validateManifest(JSON.parse(text), { now: new Date(), clockSkewMs: 60_000 });
	// The counts are the pipeline's: the markdown files under docs/ and the sections it wrote as points.
	const sections = readDocs(DOCS_DIR);
	const files = new Set(sections.map((s) => s.id.split('#')[0])).size;
	expect(result).toMatchObject({ ok: true, manifest: { documentCount: files, chunkCount: sections.length } });
	expect(stack.qdrant.points('docs')).toHaveLength(sections.length);
	expect(readFileSync(join(stack.ingestion.manifestFile), 'utf8')).toBe(text);

	// A failed run touches neither the manifest nor the collection.
	const points = stack.qdrant.points('docs');
	stack.ingestion.setReindexMode('bad');
	stack.ingestion.setOutcome('docs', 'fail');
	expect(await run('docs')).toBe('failed');
	expect(await (await fetch(stack.urls.manifest)).text()).toBe(text);
	expect(stack.qdrant.points('docs')).toEqual(points);
	stack.ingestion.setReindexMode('good');

	stack.ingestion.backdateManifest(3 * 3600);
	const stale = validateManifest(JSON.parse(await (await fetch(stack.urls.manifest)).text()), { now: new Date(), clockSkewMs: 60_000 });
	expect(stale.ok && Date.now() - stale.manifest.generatedAt.getTime()).toBeGreaterThanOrEqual(3 * 3600 * 1000);
	stack.ingestion.setOutcome('docs', 'succeed');
});

test("the Qdrant stand-in answers Qdrant's probes (the health watch's qdrant preset reads /readyz) and still its snapshot API", async () => {
	const ready = await fetch(`${stack.urls.qdrant}/readyz`);
	expect(ready.status).toBe(200);
	expect(await ready.text()).toBe('all shards are ready');
	const list = await fetch(`${stack.urls.qdrant}/collections/docs/snapshots`);
	expect(list.status).toBe(200);
	expect(((await list.json()) as { result: unknown[] }).result).toEqual([]);
});
