/**
 * The RAG Health Check node inside n8n-core's real execution engine (the
 * harness), probing real HTTP servers on 127.0.0.1.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { RagHealthCheck } from '../../../../nodes/RagHealthCheck/RagHealthCheck.node';
import { closedPort, startGarbageTcpServer, startHealthServer, type HealthServer } from '../../../../testbed/faults/healthServers';
import { runNode } from '../../../support/nodeHarness';

const ALERT = 0;
const OK = 1;

let server: HealthServer;
beforeAll(async () => {
	server = await startHealthServer();
});
afterAll(async () => {
	await server.stop();
});

type T = { name: string; url: string; preset?: string; critical?: boolean; dependsOn?: string; collection?: string; timeout?: number; headers?: string };

function params(targets: T[], extra: INodeParameters = {}, options: INodeParameters = {}): INodeParameters {
	return {
		targetSource: 'list',
		targets: { target: targets.map((t) => ({ preset: 'generic', critical: true, dependsOn: '', collection: '', timeout: 0, headers: '', ...t })) },
		options: { retries: 0, timeout: 10000, ...options },
		...extra,
	};
}

const byTarget = (items: INodeExecutionData[]) => Object.fromEntries(items.map((i) => [i.json.target as string, i.json]));
const all = (outputs: INodeExecutionData[][]) => byTarget([...(outputs[ALERT] ?? []), ...(outputs[OK] ?? [])]);

describe('RAG Health Check node: one run against healthy and broken servers', () => {
	test('classifies healthy, 503, hanging, trickling, malformed, huge and refused targets, and never crashes', async () => {
		const refused = await closedPort();
		const run = await runNode({
			node: new RagHealthCheck(),
			parameters: params(
				[
					{ name: 'healthy', url: server.url('/health'), preset: 'ragApi' },
					{ name: 'unavailable', url: server.url('/status?code=503') },
					{ name: 'hang', url: server.url('/hang'), timeout: 300 },
					{ name: 'trickle', url: server.url('/trickle'), timeout: 300 },
					{ name: 'malformed', url: server.url('/malformed'), preset: 'ragApi' },
					{ name: 'huge', url: server.url('/huge?bytes=20000000'), preset: 'ragApi' },
					{ name: 'refused', url: `http://127.0.0.1:${refused}/health` },
				],
				{},
				{ maxBodySize: 64 },
			),
		});
		expect(run.error).toBeUndefined();
		const r = all(run.outputs);
		expect(Object.keys(r).sort()).toEqual(['hang', 'healthy', 'huge', 'malformed', 'refused', 'trickle', 'unavailable']);
		expect(r.healthy).toMatchObject({ status: 'pass', state: 'up', event: null, statusCode: 200 });
		expect(r.unavailable).toMatchObject({ status: 'fail', statusCode: 503, message: 'status 503, expected 200-299' });
		expect(r.hang).toMatchObject({ status: 'fail', error: { code: 'timeout' } });
		expect(r.trickle).toMatchObject({ status: 'fail', error: { code: 'timeout' } });
		expect(r.malformed.status).toBe('fail');
		expect(r.malformed.message).toMatch(/not valid JSON/);
		expect(r.huge).toMatchObject({ status: 'fail', bodyTruncated: true });
		expect(r.refused).toMatchObject({ status: 'fail', error: { code: 'connection_refused' } });
		// No memory: every failing target is down now and goes to Alert, the healthy one to OK.
		expect(run.outputs[ALERT].map((i) => i.json.target).sort()).toEqual(['hang', 'huge', 'malformed', 'refused', 'trickle', 'unavailable']);
		expect(run.outputs[OK].map((i) => i.json.target)).toEqual(['healthy']);
		// Every item is paired with the input item.
		for (const item of [...run.outputs[ALERT], ...run.outputs[OK]]) expect(item.pairedItem).toEqual({ item: 0 });
		// The run summary: a failing critical target makes the overall status fail.
		expect(r.healthy.summary).toMatchObject({ status: 'fail', targets: 7, pass: 1, fail: 6 });
		expect((r.healthy.health as IDataObject).status).toBe('pass');
	});

	test('a slow answer within the timeout passes, beyond it fails; a non-HTTP server fails without retries', async () => {
		const garbage = await startGarbageTcpServer();
		try {
			const run = await runNode({
				node: new RagHealthCheck(),
				parameters: params(
					[
						{ name: 'slow-ok', url: server.url('/slow?ms=200') },
						{ name: 'slow-late', url: server.url('/slow?ms=1500'), timeout: 150 },
						{ name: 'garbage', url: garbage.url('/health') },
					],
					{},
					{ retries: 2, retryDelay: 1 },
				),
			});
			const r = all(run.outputs);
			expect(r['slow-ok']).toMatchObject({ status: 'pass', attempts: 1 });
			expect(r['slow-late']).toMatchObject({ status: 'fail', error: { code: 'timeout' }, attempts: 3 });
			expect(r.garbage).toMatchObject({ status: 'fail', attempts: 1 });
		} finally {
			await garbage.stop();
		}
	});

	test('retries a 503 with backoff and reports the attempts', async () => {
		const before = server.count('/status');
		const run = await runNode({
			node: new RagHealthCheck(),
			parameters: params([{ name: 'x', url: server.url('/status?code=503') }], {}, { retries: 2, retryDelay: 1 }),
		});
		expect(all(run.outputs).x.attempts).toBe(3);
		expect(server.count('/status') - before).toBe(3);
	});

	test('does not retry a 404', async () => {
		const before = server.count('/status');
		const run = await runNode({
			node: new RagHealthCheck(),
			parameters: params([{ name: 'x', url: server.url('/status?code=404') }], {}, { retries: 2, retryDelay: 1 }),
		});
		expect(all(run.outputs).x.attempts).toBe(1);
		expect(server.count('/status') - before).toBe(1);
	});
});

describe('presets read real answer shapes', () => {
	test.each([
		['/health/pass', 'ragApi', 'pass'],
		['/health/warn', 'ragApi', 'warn'],
		['/health/fail', 'ragApi', 'fail'],
		['/api/v2/heartbeat', 'chroma', 'pass'],
		['/healthz/readiness', 'n8n', 'pass'],
		['/-/ready', 'prometheus', 'pass'],
		['/-/ready', 'alertmanager', 'pass'],
		['/ready', 'loki', 'pass'],
	])('%s with preset %s → %s', async (path, preset, expected) => {
		const run = await runNode({ node: new RagHealthCheck(), parameters: params([{ name: 't', url: server.url(path), preset }]) });
		expect(all(run.outputs).t.status).toBe(expected);
	});

	test('a base URL gets the preset path', async () => {
		const run = await runNode({ node: new RagHealthCheck(), parameters: params([{ name: 'q', url: server.baseUrl, preset: 'qdrant' }]) });
		expect(all(run.outputs).q).toMatchObject({ status: 'pass', url: server.url('/readyz') });
	});

	test('IETF components are reported with their own statuses', async () => {
		const run = await runNode({ node: new RagHealthCheck(), parameters: params([{ name: 'r', url: server.url('/health/warn'), preset: 'ragApi' }]) });
		const r = all(run.outputs).r;
		expect(r.components).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ name: 'qdrant:responseTime', status: 'warn', observedValue: 950 }),
				expect.objectContaining({ name: 'llm:reachability', status: 'pass' }),
			]),
		);
		expect(Object.keys((r.health as IDataObject).checks as IDataObject)).toEqual(expect.arrayContaining(['qdrant:responseTime', 'llm:reachability']));
	});

	test.each([
		['healthy', 'pass'],
		['degraded', 'warn'],
		['unhealthy', 'fail'],
	] as const)('components shape %s → %s', async (state, expected) => {
		server.state.componentsState = state;
		try {
			const run = await runNode({ node: new RagHealthCheck(), parameters: params([{ name: 'c', url: server.url('/healthz'), preset: 'ragApi' }]) });
			const c = all(run.outputs).c;
			expect(c.status).toBe(expected);
			expect(c.components).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'reranker', status: 'pass' })]));
		} finally {
			server.state.componentsState = 'healthy';
		}
	});

	test.each([
		['green', 'pass'],
		['yellow', 'warn'],
		['red', 'fail'],
	] as const)('Qdrant collection %s → %s, with the points count', async (colour, expected) => {
		server.state.qdrantStatus = colour;
		try {
			const run = await runNode({ node: new RagHealthCheck(), parameters: params([{ name: 'q', url: server.baseUrl, preset: 'qdrant', collection: 'docs' }]) });
			const q = all(run.outputs).q;
			expect(q.status).toBe(expected);
			expect(q.components).toEqual([expect.objectContaining({ name: 'collection:docs', observedValue: 1234, observedUnit: 'points' })]);
		} finally {
			server.state.qdrantStatus = 'green';
		}
	});

	test('a missing Qdrant collection fails with a clear message', async () => {
		const run = await runNode({ node: new RagHealthCheck(), parameters: params([{ name: 'q', url: server.baseUrl, preset: 'qdrant', collection: 'nope' }]) });
		expect(all(run.outputs).q).toMatchObject({ status: 'fail', message: 'collection nope does not exist' });
	});
});

describe('conditions in the node', () => {
	test('JSON path, length, regex, timestamp age and response time conditions, filtered by target', async () => {
		const run = await runNode({
			node: new RagHealthCheck(),
			parameters: params([{ name: 'stamp', url: server.url('/stamp?age=600') }, { name: 'other', url: server.url('/health') }], {
				conditions: {
					condition: [
						{ type: 'jsonPath', targets: 'stamp', path: '$.status', operator: 'eq', value: 'pass' },
						{ type: 'jsonPath', targets: 'stamp', path: '$.items', operator: 'gte', value: '3', ofLength: true },
						{ type: 'jsonPath', targets: 'stamp', path: '$.version', operator: 'regex', value: '^v2\\.' },
						{ type: 'timestampAge', targets: 'stamp', path: '$.updated_at', warnSeconds: 300, failSeconds: 3600 },
						{ type: 'responseTime', targets: 'stamp', warnMs: 0, failMs: 60000 },
					],
				},
			}),
		});
		const r = all(run.outputs);
		expect(r.stamp.status).toBe('warn');
		expect(r.stamp.message).toMatch(/^\$\.updated_at is 6\d\d s old, warn above 300 s, fail above 3600 s$/);
		expect((r.stamp.checks as IDataObject[]).length).toBe(6);
		expect((r.other.checks as IDataObject[]).length).toBe(1);
	});

	test('an unreadable condition stops the run with an actionable error', async () => {
		const run = await runNode({
			node: new RagHealthCheck(),
			parameters: params([{ name: 'x', url: server.url('/health') }], {
				conditions: { condition: [{ type: 'jsonPath', path: '$.a[', operator: 'eq', value: '1' }] },
			}),
		});
		expect(run.error?.message).toMatch(/Condition 1/);
		expect(run.error?.description).toMatch(/Fix or remove/);
	});

	test('a bad URL is an error; with continueOnFail it becomes an error item and the other targets are checked', async () => {
		const targets = [{ name: 'bad', url: 'ftp://nowhere' }, { name: 'good', url: server.url('/health') }];
		const failing = await runNode({ node: new RagHealthCheck(), parameters: params(targets) });
		expect(failing.error?.message).toMatch(/not a valid http\(s\) URL/);
		const run = await runNode({ node: new RagHealthCheck(), parameters: params(targets), continueOnFail: true });
		expect(run.error).toBeUndefined();
		expect(run.outputs[ALERT][0].json).toMatchObject({ target: 'bad' });
		expect(run.outputs[ALERT][0].json.error).toMatch(/not a valid/);
		expect(all(run.outputs).good.status).toBe('pass');
	});

	test('per-target headers are sent; headers that are not a JSON object are a configuration error', async () => {
		const run = await runNode({
			node: new RagHealthCheck(),
			parameters: params([{ name: 'h', url: server.url('/ready?hdr=1'), headers: '{"X-Tenant": "docs", "X-Num": 7}' }]),
		});
		expect(all(run.outputs).h.status).toBe('pass');
		const seen = server.requests.filter((r) => r.path === '/ready').pop()!;
		expect(seen.headers['x-tenant']).toBe('docs');
		expect(seen.headers['x-num']).toBe('7');
		const bad = await runNode({ node: new RagHealthCheck(), parameters: params([{ name: 'h', url: server.url('/ready'), headers: '["x"]' }]) });
		expect(bad.error?.message).toMatch(/Headers of target "h" are not a JSON object/);
	});

	test('an unknown preset and unreadable expected status codes are configuration errors', async () => {
		const preset = await runNode({ node: new RagHealthCheck(), parameters: params([{ name: 'p', url: server.url('/ready'), preset: 'mongo' }]) });
		expect(preset.error?.message).toMatch(/Unknown preset "mongo"/);
		const codes = await runNode({ node: new RagHealthCheck(), parameters: params([{ name: 'p', url: server.url('/ready') }], {}, { expectedStatusCodes: 'ok' }) });
		expect(codes.error?.message).toMatch(/Expected Status Codes/);
	});

	test('duplicate target names are rejected (they key the state)', async () => {
		const run = await runNode({ node: new RagHealthCheck(), parameters: params([{ name: 'a', url: server.url('/health') }, { name: 'a', url: server.url('/ready') }]) });
		expect(run.error?.message).toMatch(/Two targets are named "a"/);
	});

	test('no targets at all is an error that says what to add', async () => {
		const run = await runNode({ node: new RagHealthCheck(), parameters: params([]) });
		expect(run.error?.description).toMatch(/Add at least one target/);
	});
});

describe('targets from input items', () => {
	test('one target per input item, each output paired with its item', async () => {
		const run = await runNode({
			node: new RagHealthCheck(),
			parameters: {
				targetSource: 'items',
				targetName: '={{ $json.name }}',
				targetUrl: '={{ $json.url }}',
				targetPreset: '={{ $json.kind }}',
				targetTimeout: '={{ $json.timeout ?? 0 }}',
				targetHeaders: '={{ JSON.stringify({ "X-Item": $json.name }) }}',
				options: { retries: 0 },
			},
			inputItems: [
				{ json: { name: 'api', url: server.url('/health'), kind: 'ragApi' } },
				{ json: { name: 'broken', url: server.url('/status?code=500'), kind: 'generic' } },
				{ json: { name: 'chroma', url: server.baseUrl, kind: 'chroma' } },
				{ json: { name: 'late', url: server.url('/hang'), kind: 'generic', timeout: 200 } },
			],
		});
		expect(all(run.outputs).late).toMatchObject({ status: 'fail', error: { code: 'timeout' } });
		expect(server.requests.filter((r) => r.path === '/api/v2/heartbeat').pop()!.headers['x-item']).toBe('chroma');
		expect(run.error).toBeUndefined();
		const items = [...run.outputs[ALERT], ...run.outputs[OK]];
		const pairing = Object.fromEntries(items.map((i) => [i.json.target as string, i.pairedItem]));
		expect(pairing).toEqual({ api: { item: 0 }, broken: { item: 1 }, chroma: { item: 2 }, late: { item: 3 } });
		expect(all(run.outputs).chroma).toMatchObject({ status: 'pass', url: server.url('/api/v2/heartbeat') });
		expect(all(run.outputs).broken.status).toBe('fail');
	});
});

describe('targets from input items: bad input', () => {
	const itemParams: INodeParameters = { targetSource: 'items', targetName: '={{ $json.name }}', targetUrl: '={{ $json.url }}', options: { retries: 0 } };

	test('an item without a URL stops the run naming the item; with continueOnFail it is an error item paired with it', async () => {
		const inputItems = [{ json: { name: 'ok', url: server.url('/health') } }, { json: { name: 'no-url' } }];
		const failing = await runNode({ node: new RagHealthCheck(), parameters: itemParams, inputItems });
		expect(failing.error?.message).toMatch(/is not a valid http\(s\) URL/);
		expect(failing.error?.description).toMatch(/full URL/);
		expect(failing.error?.context?.itemIndex).toBe(1);
		const run = await runNode({ node: new RagHealthCheck(), parameters: itemParams, inputItems, continueOnFail: true });
		expect(run.outputs[ALERT]).toEqual([expect.objectContaining({ pairedItem: { item: 1 }, json: expect.objectContaining({ target: 'no-url' }) })]);
		expect(run.outputs[OK]).toEqual([expect.objectContaining({ pairedItem: { item: 0 }, json: expect.objectContaining({ target: 'ok', status: 'pass' }) })]);
	});

	test('items without names are named by their URL; two items with the same URL are a duplicate', async () => {
		const run = await runNode({ node: new RagHealthCheck(), parameters: itemParams, inputItems: [{ json: { url: server.url('/ready') } }] });
		expect(run.outputs[OK][0].json.target).toBe(server.url('/ready'));
		const dup = await runNode({ node: new RagHealthCheck(), parameters: itemParams, inputItems: [{ json: { url: server.url('/ready') } }, { json: { url: server.url('/ready') } }] });
		expect(dup.error?.message).toMatch(/Two targets are named/);
	});
});

describe('concurrency', () => {
	// The barrier answers once `n` requests wait at once, so these tests prove
	// concurrency by counting, not by timing.
	const barrierTargets = (count: number, n: number) =>
		Array.from({ length: count }, (_, i) => ({ name: `s${i}`, url: server.url(`/barrier?n=${n}&max=8000&i=${i}`) }));

	test('never more checks in flight than the limit, and the limit is reached', async () => {
		server.resetPeak();
		const run = await runNode({ node: new RagHealthCheck(), parameters: params(barrierTargets(12, 4), {}, { concurrency: 4, timeout: 20000 }) });
		expect(run.outputs[OK]).toHaveLength(12);
		expect(server.peakInFlight()).toBe(4);
	});

	test('0 = no limit: every check is in flight at once (nothing serialised)', async () => {
		server.resetPeak();
		const run = await runNode({ node: new RagHealthCheck(), parameters: params(barrierTargets(20, 20), {}, { concurrency: 0, timeout: 20000 }) });
		expect(run.outputs[OK]).toHaveLength(20);
		expect(server.peakInFlight()).toBe(20);
	});

	test('a limit above the number of targets behaves like no limit', async () => {
		server.resetPeak();
		const run = await runNode({ node: new RagHealthCheck(), parameters: params(barrierTargets(6, 6), {}, { concurrency: 50, timeout: 20000 }) });
		expect(run.outputs[OK]).toHaveLength(6);
		expect(server.peakInFlight()).toBe(6);
	});
});

describe('authentication with the RAG Service API credential', () => {
	const secure = (authentication: string) => params([{ name: 's', url: server.url('/secure') }], { authentication });

	test.each([
		['bearer', { authType: 'bearer', token: 'test-token', testUrl: '' }],
		['API key header', { authType: 'apiKeyHeader', headerName: 'api-key', apiKey: 'test-key', testUrl: '' }],
		['basic auth', { authType: 'basic', user: 'ops', password: 's3cret', testUrl: '' }],
	])('%s is accepted', async (_label, credential) => {
		const run = await runNode({ node: new RagHealthCheck(), parameters: secure('ragServiceApi'), credentials: { ragServiceApi: credential } });
		expect(all(run.outputs).s).toMatchObject({ status: 'pass', statusCode: 200 });
	});

	test('a wrong token is a failed check showing the 401', async () => {
		const run = await runNode({
			node: new RagHealthCheck(),
			parameters: secure('ragServiceApi'),
			credentials: { ragServiceApi: { authType: 'bearer', token: 'wrong', testUrl: '' } },
		});
		expect(all(run.outputs).s).toMatchObject({ status: 'fail', message: 'status 401, expected 200-299' });
	});

	test('a hanging server is still cut off when the credential helper replaces the abort signal', async () => {
		const run = await runNode({
			node: new RagHealthCheck(),
			parameters: params([{ name: 'h', url: server.url('/trickle'), timeout: 300 }], { authentication: 'ragServiceApi' }),
			credentials: { ragServiceApi: { authType: 'bearer', token: 'x', testUrl: '' } },
		});
		expect(all(run.outputs).h).toMatchObject({ status: 'fail', error: { code: 'timeout' } });
	});
});
