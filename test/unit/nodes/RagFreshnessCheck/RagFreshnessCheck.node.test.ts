import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';

import { RagFreshnessCheck } from '../../../../nodes/RagFreshnessCheck/RagFreshnessCheck.node';
import { malformedManifests } from '../../../support/manifestFuzz';
import { runNode } from '../../../support/nodeHarness';
import { startPushgateway } from '../../../../testbed/pushgatewayServer';

/** Serves `routes[path]` (a body string, or a status code) on 127.0.0.1 and counts requests. */
async function serve(routes: Record<string, string | number>): Promise<{ url: string; hits: string[]; server: Server }> {
	const hits: string[] = [];
	const server = createServer((req, res) => {
		hits.push(req.url ?? '');
		const route = routes[req.url ?? ''];
		if (route === undefined || typeof route === 'number') {
			res.statusCode = typeof route === 'number' ? route : 404;
			res.end('no');
			return;
		}
		res.setHeader('content-type', 'application/json');
		res.end(route);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

const close = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

function manifest(ageHours: number, overrides: IDataObject = {}): IDataObject {
	return {
		schema_version: 3,
		generated_at: new Date(Date.now() - ageHours * 3_600_000).toISOString(),
		run_id: `run-${ageHours}`,
		config_hash: 'sha256:abc',
		document_count: 10,
		chunk_count: 1000,
		...overrides,
	};
}

const node = new RagFreshnessCheck();

describe('RAG Freshness Check node', () => {
	it('routes by age: fresh → Fresh, past warn → Stale/warn, past error → Stale/fail (input JSON source)', async () => {
		const run = await runNode({
			node,
			parameters: { source: 'json', jsonField: 'manifest', warnAfterHours: 2, errorAfterHours: 6 },
			inputItems: [{ json: { manifest: manifest(1) } }, { json: { manifest: manifest(3) } }, { json: { manifest: manifest(7) } }],
		});
		expect(run.error).toBeUndefined();
		const [fresh, stale] = run.outputs;
		expect(fresh.map((i) => i.json.status)).toEqual(['pass']);
		expect(stale.map((i) => i.json.status)).toEqual(['warn', 'fail']);
		expect(stale.map((i) => i.pairedItem)).toEqual([{ item: 1 }, { item: 2 }]);
		expect(stale[0].json.reasons).toEqual(['age: generated 3.0 h ago, past the warn limit of 2.0 h']);
		expect(String((stale[1].json.reasons as string[])[0])).toMatch(/^age: generated 7\.0 h ago, past the error limit of 6\.0 h/);
	});

	it('fails an empty index (chunk_count 0) and a manifest from the future', async () => {
		const run = await runNode({
			node,
			parameters: { source: 'json' },
			inputItems: [
				{ json: manifest(1, { chunk_count: 0 }) },
				{ json: manifest(-1) }, // an hour ahead, beyond the 300 s skew
			],
		});
		const stale = run.outputs[1];
		expect(stale.map((i) => i.json.status)).toEqual(['fail', 'fail']);
		expect(stale[0].json.reasons).toEqual(['chunks: chunk_count is 0: the index is empty']);
		expect(String((stale[1].json.reasons as string[])[0])).toContain('in the future, beyond the clock-skew tolerance of 300 s');
	});

	it('warns on a chunk-count drop against the previous distinct run, kept in static data', async () => {
		const staticData: IDataObject = {};
		const params = { source: 'json', chunkDropTolerancePercent: 20 };
		const first = await runNode({ node, parameters: params, staticData, inputItems: [{ json: manifest(1, { run_id: 'a', chunk_count: 1000 }) }] });
		expect(first.outputs[0]).toHaveLength(1);
		const second = await runNode({ node, parameters: params, staticData, inputItems: [{ json: manifest(1, { run_id: 'b', chunk_count: 700 }) }] });
		expect(second.outputs[1][0].json.reasons).toEqual([
			'chunkDrop: chunk count dropped 30.0 % (1000 → 700), more than the tolerated 20.0 %',
		]);
		// The same run checked again still warns (compared with run a, not with itself).
		const again = await runNode({ node, parameters: params, staticData, inputItems: [{ json: manifest(1, { run_id: 'b', chunk_count: 700 }) }] });
		expect(again.outputs[1][0].json.status).toBe('warn');
		// A small drop in the next run passes.
		const next = await runNode({ node, parameters: params, staticData, inputItems: [{ json: manifest(1, { run_id: 'c', chunk_count: 650 }) }] });
		expect(next.outputs[0][0].json.status).toBe('pass');
	});

	it('in a manual run says that static data is not kept', async () => {
		const run = await runNode({ node, mode: 'manual', parameters: { source: 'json' }, inputItems: [{ json: manifest(1) }] });
		expect(String(run.outputs[0][0].json.notice)).toContain('Manual run');
	});

	describe('over HTTP', () => {
		let srv: Awaited<ReturnType<typeof serve>>;
		beforeAll(async () => {
			srv = await serve({
				'/latest.json': JSON.stringify(manifest(1)),
				'/garbage.json': '\u0000\u0001garbage',
				'/healthz': JSON.stringify({ status: 'pass', index: { config_hash: 'sha256:abc', schema_version: 3 } }),
				'/healthz-drift': JSON.stringify({ status: 'pass', index: { config_hash: 'sha256:new', schema_version: 4 } }),
				'/down': 503,
			});
		});
		afterAll(async () => close(srv.server));

		it('fetches the manifest and passes when the backend runs the same config hash and schema', async () => {
			const run = await runNode({
				node,
				parameters: {
					source: 'url',
					url: `${srv.url}/latest.json`,
					backendUrl: `${srv.url}/healthz`,
					backendConfigHashPath: 'index.config_hash',
					backendSchemaVersionPath: 'index.schema_version',
				},
			});
			expect(run.error).toBeUndefined();
			const item = run.outputs[0][0].json;
			expect(item.status).toBe('pass');
			expect((item.checks as IDataObject[]).map((c) => `${c.name}:${c.status}`)).toEqual([
				'age:pass',
				'chunks:pass',
				'configHash:pass',
				'schemaVersion:pass',
			]);
		});

		it('reports config-hash and schema drift (fail by default, warn when configured)', async () => {
			const base = {
				source: 'url',
				url: `${srv.url}/latest.json`,
				backendUrl: `${srv.url}/healthz-drift`,
				backendConfigHashPath: 'index.config_hash',
				backendSchemaVersionPath: 'index.schema_version',
			};
			const failRun = await runNode({ node, parameters: base });
			expect(failRun.outputs[1][0].json.status).toBe('fail');
			expect(failRun.outputs[1][0].json.reasons).toEqual([
				'configHash: config hash drift: the manifest has "sha256:abc", the backend runs "sha256:new"',
				'schemaVersion: schema version drift: the manifest has "3", the backend runs 4',
			]);
			const warnRun = await runNode({ node, parameters: { ...base, driftSeverity: 'warn' } });
			expect(warnRun.outputs[1][0].json.status).toBe('warn');
		});

		it('fails when the manifest URL answers 503 or garbage, and marks an unreachable backend unknown', async () => {
			const run = await runNode({
				node,
				parameters: { source: 'url', url: `={{ "${srv.url}" + $json.path }}`, backendUrl: `${srv.url}/down` },
				inputItems: [{ json: { path: '/down' } }, { json: { path: '/garbage.json' } }, { json: { path: '/latest.json' } }],
			});
			const stale = run.outputs[1];
			expect(stale.map((i) => i.json.status)).toEqual(['fail', 'fail', 'unknown']);
			expect(String((stale[0].json.reasons as string[])[0])).toContain('answered HTTP 503');
			expect(String((stale[1].json.reasons as string[])[0])).toContain('invalid manifest');
			expect(String((stale[2].json.reasons as string[])[0])).toContain("could not read the backend's config");
		});
	});

	it('turns every one of the 200+ malformed manifests, read as binary files, into a fail with its reason', async () => {
		const cases = malformedManifests();
		const run = await runNode({
			node,
			parameters: { source: 'binary', binaryProperty: 'data' },
			inputItems: cases.map((c) => ({
				json: { label: c.label },
				binary: { data: { data: c.bytes.toString('base64'), mimeType: 'application/json', fileName: 'latest.json' } },
			})),
		});
		expect(run.error).toBeUndefined();
		expect(run.outputs[0]).toHaveLength(0);
		expect(run.outputs[1]).toHaveLength(cases.length);
		run.outputs[1].forEach((item, n) => {
			const i = (item.pairedItem as { item: number }).item;
			expect(item.json.status).toBe('fail');
			expect(String((item.json.reasons as string[])[0])).toContain(cases[i].expect);
			expect(n).toBe(i);
		});
	});

	it('throws an actionable error for a missing binary field, or reports it with continueOnFail', async () => {
		const run = await runNode({ node, parameters: { source: 'binary', binaryProperty: 'file' }, inputItems: [{ json: {} }] });
		expect(run.error?.message).toBe('The input item has no binary field "file"');
		expect(run.error?.description).toContain('Input Binary Field');
		const cont = await runNode({ node, continueOnFail: true, parameters: { source: 'binary', binaryProperty: 'file' }, inputItems: [{ json: {} }] });
		expect(cont.outputs[1][0].json).toMatchObject({ status: 'fail', error: 'The input item has no binary field "file"' });
	});

	it('pushes freshness metrics to a real Pushgateway', async () => {
		const pgw = await startPushgateway();
		try {
			const run = await runNode({
				node,
				parameters: { source: 'json', manifestName: 'handbook', pushMetrics: true, warnAfterHours: 30, errorAfterHours: 60 },
				inputItems: [{ json: manifest(1, { chunk_count: 4321 }) }],
				credentials: { ragOpsPushgatewayApi: { url: pgw.url } },
			});
			expect(run.outputs[0][0].json.metrics).toMatchObject({ pushed: true });
			const text = await pgw.metrics();
			expect(text).toMatch(/ragops_freshness_chunks\{[^}]*job="ragops_freshness"[^}]*target="handbook"[^}]*\} 4321/);
			expect(text).toMatch(/ragops_freshness_status\{[^}]*status="pass"[^}]*\} 1/);
			expect(text).toMatch(/ragops_freshness_status\{[^}]*status="fail"[^}]*\} 0/);
			expect(text).toMatch(/ragops_freshness_manifest_age_seconds\{[^}]*target="handbook"[^}]*\} 3\d{3}/);
			// The limits the node was given, as the age alerts compare against them (docs/alerting.md "Edited schedules").
			expect(text).toMatch(/ragops_freshness_warn_after_seconds\{[^}]*target="handbook"[^}]*\} 108000\n/);
			expect(text).toMatch(/ragops_freshness_error_after_seconds\{[^}]*target="handbook"[^}]*\} 216000\n/);
		} finally {
			await pgw.stop();
		}
	});
});
