import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { RagIngestion } from '../../../../nodes/RagIngestion/RagIngestion.node';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { freePort } from '../../../../testbed/freePort';
import { startIngestionApi, type IngestionApi } from '../../../../testbed/stack/ingestionApi';
import { runNode } from '../../../support/nodeHarness';
import { startPushgateway } from '../../../../testbed/pushgatewayServer';

const node = new RagIngestion();
// Fast polling for tests; the loop's termination depends on poll counts, not on time.
const fast = { pollIntervalSeconds: 0.01, maxPollIntervalSeconds: 0.05 };

function params(api: IngestionApi, extra: INodeParameters = {}): INodeParameters {
	return {
		baseUrl: api.url,
		source: 'handbook',
		mode: 'incremental',
		idempotencyKey: '={{ $json.guid }}',
		metadata: '{"trigger": "rss"}',
		waitForCompletion: true,
		maxRuntimeMinutes: 1,
		options: fast,
		...extra,
	};
}

describe('RAG Ingestion node', () => {
	let api: IngestionApi;
	beforeEach(async () => {
		api = await startIngestionApi();
	});
	afterEach(async () => api.stop());

	it('starts a run with the key, waits for success and emits the run record', async () => {
		api.behave('handbook', { outcome: 'succeed', pollsUntilDone: 3, documents: 7, chunks: 99 });
		const run = await runNode({ node, parameters: params(api), inputItems: [{ json: { guid: 'post-1' } }] });
		expect(run.error).toBeUndefined();
		expect(api.starts).toHaveLength(1);
		expect(api.starts[0].body).toEqual({ source: 'handbook', mode: 'incremental', metadata: { trigger: 'rss' }, idempotency_key: 'post-1' });
		expect(api.starts[0].headers['idempotency-key']).toBe('post-1');
		const record = run.outputs[0][0].json;
		expect(record).toMatchObject({
			source: 'handbook',
			runId: 'run-1',
			status: 'succeeded',
			documentsProcessed: 7,
			chunksWritten: 99,
			errors: [],
			polls: 4,
		});
		expect(typeof record.durationSeconds).toBe('number');
		expect(Date.parse(String(record.finishedAt))).toBeGreaterThanOrEqual(Date.parse(String(record.startedAt)));
		expect(run.outputs[0][0].pairedItem).toEqual({ item: 0 });
	});

	it('reports a failed run on Failure with its errors; the same key then gets that run back (Skipped), a new key retries', async () => {
		api.behave('handbook', { outcome: 'fail' });
		const staticData: IDataObject = {};
		const first = await runNode({ node, parameters: params(api), staticData, inputItems: [{ json: { guid: 'post-2' } }] });
		expect(first.outputs[1][0].json).toMatchObject({ status: 'failed', errors: ['embedding service returned 503 for 3 documents'] });
		api.behave('handbook', { outcome: 'succeed' });
		// The failed key is not kept in the first filter, so the API is asked, and it answers with the failed run.
		const again = await runNode({ node, parameters: params(api), staticData, inputItems: [{ json: { guid: 'post-2' } }] });
		expect(again.outputs[2][0].json).toMatchObject({ skipped: true, reason: 'duplicate', runId: 'run-1', runStatus: 'failed' });
		const retry = await runNode({ node, parameters: params(api), staticData, inputItems: [{ json: { guid: 'post-2:retry-1' } }] });
		expect(retry.outputs[0][0].json).toMatchObject({ status: 'succeeded', runId: 'run-2' });
		expect(api.starts).toHaveLength(2);
		expect(api.replays).toHaveLength(1);
	});

	it('reports a run that hangs past the maximum runtime as failed with that reason', async () => {
		api.behave('handbook', { outcome: 'hang' });
		const run = await runNode({
			node,
			parameters: params(api, { maxRuntimeMinutes: 0.005 }), // 300 ms
			inputItems: [{ json: { guid: 'post-3' } }],
		});
		const record = run.outputs[1][0].json;
		expect(record.status).toBe('failed');
		expect(record.reason).toBe('still running after the maximum runtime of 0.005 min');
		expect(Number(record.polls)).toBeGreaterThan(0);
	});

	it('skips a start answered 409 (run in progress) without remembering the key', async () => {
		api.behave('handbook', { outcome: 'hang' });
		const noWait = params(api, { waitForCompletion: false });
		const staticData: IDataObject = {};
		const first = await runNode({ node, parameters: noWait, staticData, inputItems: [{ json: { guid: 'a' } }] });
		expect(first.outputs[0][0].json).toMatchObject({ status: 'started', runId: 'run-1' });
		const second = await runNode({ node, parameters: noWait, staticData, inputItems: [{ json: { guid: 'b' } }] });
		expect(second.outputs[2][0].json).toMatchObject({ skipped: true, reason: 'in_progress', runningRunId: 'run-1' });
		expect(api.conflicts).toHaveLength(1);
		// Once the first run is over, "b" may start.
		api.finish('handbook');
		const third = await runNode({ node, parameters: noWait, staticData, inputItems: [{ json: { guid: 'b' } }] });
		expect(third.outputs[0][0].json.status).toBe('started');
		expect(api.starts.map((s) => s.body.idempotency_key)).toEqual(['a', 'b']);
	});

	it('a key the API already has goes to Skipped as duplicate with its run id, even with empty static data (a queue-mode worker)', async () => {
		const first = await runNode({ node, parameters: params(api), staticData: {}, inputItems: [{ json: { guid: 'acme/handbook@c0ffee' } }] });
		expect(first.outputs[0][0].json).toMatchObject({ status: 'succeeded', runId: 'run-1' });
		// A fresh static data object: what a worker starts from. Only the API knows the key.
		const again = await runNode({ node, parameters: params(api), staticData: {}, inputItems: [{ json: { guid: 'acme/handbook@c0ffee' } }] });
		expect(again.outputs[0]).toHaveLength(0);
		expect(again.outputs[2]).toEqual([
			{
				json: expect.objectContaining({ skipped: true, reason: 'duplicate', runId: 'run-1', runStatus: 'succeeded', idempotencyKey: 'acme/handbook@c0ffee' }),
				pairedItem: { item: 0 },
			},
		]);
		expect(api.runs).toHaveLength(1);
		expect(api.replays).toHaveLength(1);
	});

	it('20 overlapping executions with the same key: one run at the API, one Success, 19 Skipped naming that run', async () => {
		api.behave('handbook', { outcome: 'succeed', pollsUntilDone: 2 });
		const runs = await Promise.all(
			Array.from({ length: 20 }, () => runNode({ node, parameters: params(api), staticData: {}, inputItems: [{ json: { guid: 'same-version' } }] })),
		);
		expect(runs.map((r) => r.error)).toEqual(Array(20).fill(undefined));
		expect(api.runs).toHaveLength(1);
		expect(runs.flatMap((r) => r.outputs[0]).map((i) => i.json.runId)).toEqual(['run-1']);
		const skipped = runs.flatMap((r) => r.outputs[2]).map((i) => [i.json.reason, i.json.runId]);
		expect(skipped).toHaveLength(19);
		expect(skipped.every(([reason, runId]) => ['duplicate', 'in_progress'].includes(String(reason)) && runId === 'run-1')).toBe(true);
	});

	it('a key reused with another body (HTTP 422) is a clear error naming the key and what to change; Failure with continueOnFail', async () => {
		await runNode({ node, parameters: params(api), inputItems: [{ json: { guid: 'k-422' } }] });
		const changed = params(api, { mode: 'full' });
		const run = await runNode({ node, parameters: changed, staticData: {}, inputItems: [{ json: { guid: 'k-422' } }] });
		expect(run.error?.message).toBe('The ingestion API refused Idempotency-Key "k-422": it was used before with a different request body');
		expect(run.error?.description).toContain('the key belongs to run run-1');
		expect(run.error?.description).toContain('drop it from Metadata');
		const cont = await runNode({ node, continueOnFail: true, parameters: changed, inputItems: [{ json: { guid: 'k-422' } }] });
		expect(cont.outputs[1][0].json).toMatchObject({ status: 'failed', error: expect.stringContaining('used before with a different request body') });
		expect(api.runs).toHaveLength(1);
	});

	it('an unreachable API goes to Failure (not an error) with the URL and what to check', async () => {
		const port = await freePort();
		const run = await runNode({ node, parameters: params(api, { baseUrl: `http://127.0.0.1:${port}` }), inputItems: [{ json: { guid: 'n1' } }] });
		expect(run.error).toBeUndefined();
		const record = run.outputs[1][0].json;
		expect(record).toMatchObject({ status: 'failed', url: `http://127.0.0.1:${port}/runs`, idempotencyKey: 'n1', runId: null });
		expect(record.reason).toMatch(new RegExp(`^Could not reach the ingestion API: POST http://127\\.0\\.0\\.1:${port}/runs failed \\(.*ECONNREFUSED.*\\)\\. Check that "Ingestion API URL" is right`));
		expect(record.reason).toContain('a retry with the same key will not start a second run');
		expect(run.outputs[1][0].pairedItem).toEqual({ item: 0 });
	});

	it('without a replay header: a run that started long before the request is a duplicate; one that finished within the request is new', async () => {
		let startedAt = new Date(Date.now() - 3600_000).toISOString();
		const server = createServer((req, res) => {
			req.resume();
			req.on('end', () => {
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ run_id: 'sync-1', status: 'succeeded', started_at: startedAt, finished_at: new Date().toISOString() }));
			});
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		try {
			const old = await runNode({ node, parameters: params(api, { baseUrl: url, waitForCompletion: false }), inputItems: [{ json: { guid: 'v1' } }] });
			expect(old.outputs[2][0].json).toMatchObject({ reason: 'duplicate', runId: 'sync-1' });
			startedAt = new Date().toISOString();
			const fresh = await runNode({ node, parameters: params(api, { baseUrl: url, waitForCompletion: false }), inputItems: [{ json: { guid: 'v2' } }] });
			expect(fresh.outputs[0][0].json).toMatchObject({ status: 'started', runId: 'sync-1' });
		} finally {
			server.closeAllConnections();
			await new Promise<void>((r) => server.close(() => r()));
		}
	});

	it('RSS Feed Trigger offering the same items twice starts each item once', async () => {
		const feed = [{ guid: 'https://blog.example/1' }, { guid: 'https://blog.example/2' }, { guid: 'https://blog.example/3' }];
		const staticData: IDataObject = {};
		const first = await runNode({ node, parameters: params(api), staticData, inputItems: feed.map((json) => ({ json })) });
		expect(first.outputs[0]).toHaveLength(3);
		const again = await runNode({ node, parameters: params(api), staticData, inputItems: feed.map((json) => ({ json })) });
		expect(again.outputs[0]).toHaveLength(0);
		expect(again.outputs[2].map((i) => [i.json.reason, i.pairedItem])).toEqual([
			['duplicate', { item: 0 }],
			['duplicate', { item: 1 }],
			['duplicate', { item: 2 }],
		]);
		expect(api.starts.map((s) => s.body.idempotency_key)).toEqual(feed.map((f) => f.guid));
	});

	it('dedupes the same key twice within one execution', async () => {
		const run = await runNode({ node, parameters: params(api), inputItems: [{ json: { guid: 'x' } }, { json: { guid: 'x' } }] });
		expect(run.outputs[0]).toHaveLength(1);
		expect(run.outputs[2]).toHaveLength(1);
		expect(api.starts).toHaveLength(1);
	});

	it('bounds the remembered keys in static data', async () => {
		const staticData: IDataObject = {};
		const items = Array.from({ length: 8 }, (_, n) => ({ json: { guid: `g${n}` } }));
		await runNode({ node, parameters: params(api, { waitForCompletion: false, options: { ...fast, keyMemory: 5 } }), staticData, inputItems: [items[0]] });
		api.finish('handbook');
		for (const item of items.slice(1)) {
			await runNode({ node, parameters: params(api, { waitForCompletion: false, options: { ...fast, keyMemory: 5 } }), staticData, inputItems: [item] });
			api.finish('handbook');
		}
		expect(Object.keys((staticData['node:RAG Ingestion'] as IDataObject).idempotencyKeys as object)).toHaveLength(5);
	});

	it('fails with an actionable NodeApiError when the start is refused, or reports it with continueOnFail', async () => {
		api.behave('handbook', { outcome: 'succeed', startStatus: 500 });
		const run = await runNode({ node, parameters: params(api), inputItems: [{ json: { guid: 'e' } }] });
		expect(run.error?.message).toBe('The ingestion API answered HTTP 500 to the start request');
		expect(run.error?.description).toContain('Check the URL');
		const cont = await runNode({ node, continueOnFail: true, parameters: params(api), inputItems: [{ json: { guid: 'e' } }] });
		expect(cont.outputs[1][0].json.status).toBe('failed');
	});

	it.each([
		[{ baseUrl: 'ingestion:8080' }, 'is not an http(s) URL'],
		[{ source: '={{ " " }}' }, 'Source is empty'],
		[{ metadata: '[1,2' }, 'Metadata is not a JSON object'],
	])('rejects bad input %p', async (bad, message) => {
		const run = await runNode({ node, parameters: params(api, bad), inputItems: [{ json: { guid: 'q' } }] });
		expect(run.error?.message).toContain(message);
		expect(api.starts).toHaveLength(0);
	});

	it('pushes ingestion metrics per source to a real Pushgateway, keeping the last success after a failure on another worker (empty static data)', async () => {
		const pgw = await startPushgateway();
		try {
			const staticData: IDataObject = {};
			const creds = { ragOpsPushgatewayApi: { url: pgw.url } };
			api.behave('handbook', { outcome: 'succeed', documents: 5, chunks: 50 });
			const ok = await runNode({ node, parameters: params(api, { pushMetrics: true }), staticData, credentials: creds, inputItems: [{ json: { guid: 'm1' } }] });
			expect(ok.outputs[0][0].json.metrics).toMatchObject({ pushed: true });
			const afterOk = await pgw.metrics();
			const success = /ragops_ingestion_last_success_timestamp_seconds\{[^}]*target="handbook"[^}]*\} (\S+)/.exec(afterOk)?.[1];
			expect(Number(success)).toBeGreaterThan(1.7e9);
			expect(afterOk).toMatch(/ragops_ingestion_last_run_chunks\{[^}]*job="ragops_ingestion"[^}]*target="handbook"[^}]*\} 50/);
			api.behave('handbook', { outcome: 'fail' });
			// A queue-mode worker starts from empty static data: nothing of the first run is known there.
			await runNode({ node, parameters: params(api, { pushMetrics: true }), staticData: {}, credentials: creds, inputItems: [{ json: { guid: 'm2' } }] });
			const afterFail = await pgw.metrics();
			expect(afterFail).toMatch(/ragops_ingestion_last_run_success\{[^}]*target="handbook"[^}]*\} 0/);
			expect(/ragops_ingestion_last_success_timestamp_seconds\{[^}]*target="handbook"[^}]*\} (\S+)/.exec(afterFail)?.[1]).toBe(success);
		} finally {
			await pgw.stop();
		}
	});
});
