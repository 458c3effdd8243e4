import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { RagOpsPushgatewayApi } from '../../../../credentials/RagOpsPushgatewayApi.credentials';
import {
	NodeConnectionTypes,
	Workflow,
	type INode,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import type { Sample } from '../../../../nodes/shared/exposition';
import { METRICS, PUSH_JOBS, type PushJob } from '../../../../nodes/shared/metricCatalog';
import { HEALTH_STATUSES } from '../../../../nodes/shared/status';
import {
	base64url,
	buildPushUrl,
	groupingKeySegment,
	pushgatewayCredential,
	pushMetrics,
	pushMetricsProperties,
	type PushOptions,
} from '../../../../nodes/shared/pushgateway';
import { runNode } from '../../../support/nodeHarness';
import { startPushgateway, type PushgatewayServer } from '../../../../testbed/pushgatewayServer';
import { parseExposition, type ParsedSeries } from '../../../support/promText';

/**
 * Test-only node that pushes what the test hands it, once per input item, the
 * way the RAG nodes will. A factory, because inside `execute` `this` is n8n's
 * ExecuteContext, not the node instance: the options reach it by closure.
 */
function pushProbe(pushFor: (itemIndex: number) => PushOptions): INodeType {
	return new (class PushProbe implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Push Probe',
		name: 'pushProbe',
		group: ['transform'],
		version: 1,
		description: 'Test node calling pushMetrics',
		defaults: { name: 'Push Probe' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [pushgatewayCredential],
		properties: [...pushMetricsProperties],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const out: INodeExecutionData[] = [];
		const items = this.getInputData();
		for (let i = 0; i < items.length; i++) {
			if (!this.getNodeParameter('pushMetrics', i)) {
				out.push({ json: { skipped: true }, pairedItem: { item: i } });
				continue;
			}
			const outcome = await pushMetrics(this, i, pushFor(i));
			out.push({ json: { ...outcome }, pairedItem: { item: i } });
		}
		return [out];
	}
	})();
}

function healthSamples(up: number, status: (typeof HEALTH_STATUSES)[number], seconds: number): Sample[] {
	return [
		{ metric: METRICS.healthUp, value: up },
		...HEALTH_STATUSES.map((s) => ({ metric: METRICS.healthStatus, labels: { status: s }, value: s === status ? 1 : 0 })),
		{ metric: METRICS.healthResponseTime, value: seconds },
		{ metric: METRICS.healthLastRun, value: 1764181234.5 },
	];
}

async function push(
	credentials: Record<string, unknown>,
	opts: PushOptions | ((i: number) => PushOptions),
	extra: { items?: number; pushMetricsParam?: boolean } = {},
) {
	const run = await runNode({
		node: pushProbe(typeof opts === 'function' ? opts : () => opts),
		parameters: { pushMetrics: extra.pushMetricsParam ?? true },
		inputItems: Array.from({ length: extra.items ?? 1 }, (_, i) => ({ json: { i } })),
		credentials: { ragOpsPushgatewayApi: credentials as never },
	});
	return run;
}

const series = (all: ParsedSeries[], name: string, job: PushJob, target: string) =>
	all.filter((s) => s.name === name && s.labels.job === job && s.labels.target === target);

describe('buildPushUrl', () => {
	it('builds <base>/metrics/job/<job>/target/<target>, trimming trailing slashes', () => {
		expect(buildPushUrl('http://pgw:9091/', 'ragops_health', 'rag-api')).toBe(
			'http://pgw:9091/metrics/job/ragops_health/target/rag-api',
		);
		expect(buildPushUrl('https://proxy.example/pushgateway//', 'ragops_backup', 'docs')).toBe(
			'https://proxy.example/pushgateway/metrics/job/ragops_backup/target/docs',
		);
	});

	it('uses the @base64 form for values with a slash and for empty values', () => {
		expect(groupingKeySegment('target', 'docs/en')).toBe(`/target@base64/${base64url('docs/en')}`);
		expect(base64url('docs/en')).toBe('ZG9jcy9lbg==');
		expect(groupingKeySegment('target', '')).toBe('/target@base64/=');
		expect(buildPushUrl('http://pgw:9091', 'ragops_health', 'https://api/health')).toBe(
			'http://pgw:9091/metrics/job/ragops_health/target@base64/aHR0cHM6Ly9hcGkvaGVhbHRo',
		);
	});

	it('percent-encodes other characters and base64url-encodes UTF-8 (RFC 4648 §5 alphabet)', () => {
		expect(groupingKeySegment('target', 'a b?#%')).toBe('/target/a%20b%3F%23%25');
		expect(base64url('a')).toBe('YQ==');
		expect(base64url('ab')).toBe('YWI=');
		expect(base64url('abc')).toBe('YWJj');
		// Node's own encoder as the reference (it drops the padding the Pushgateway accepts either way).
		for (const value of ['ü/ÿ~?>', '🚀/x', '\u00ff\u00fe/?', '>>>???', 'docs/en/v2', 'a\nb/c"d']) {
			const reference = Buffer.from(value, 'utf8').toString('base64url');
			expect(base64url(value).replace(/=+$/, '')).toBe(reference);
		}
		expect(base64url('>>>???')).toMatch(/[-_]/);
	});

	it('drops user info from the base and rejects non-http URLs and an empty job', () => {
		expect(buildPushUrl('http://u:p@pgw:9091', 'j', 't')).toBe('http://pgw:9091/metrics/job/j/target/t');
		expect(() => buildPushUrl('pgw:9091', 'j', 't')).toThrow(/not an http/);
		expect(() => buildPushUrl('', 'j', 't')).toThrow(/not an http/);
		expect(() => buildPushUrl('http://pgw', '', 't')).toThrow(/job must not be empty/);
	});

	it('declares the node parameter and credential snippets the nodes spread in', () => {
		expect(pushMetricsProperties).toEqual([
			expect.objectContaining({ name: 'pushMetrics', type: 'boolean', default: false }),
		]);
		expect(pushMetricsProperties[0].description).toMatch(/^Whether /);
		expect(pushgatewayCredential).toEqual({
			name: 'ragOpsPushgatewayApi',
			required: true,
			displayOptions: { show: { pushMetrics: [true] } },
		});
	});
});

describe('pushMetrics against a real prometheus-pushgateway', () => {
	let pgw: PushgatewayServer;

	beforeAll(async () => {
		pgw = await startPushgateway();
	});

	afterAll(async () => {
		await pgw?.stop();
	});

	it("the credential's test request (GET /api/v1/status, baseURL from $credentials.url) answers what its body rule requires", async () => {
		const credential = new RagOpsPushgatewayApi();
		const request = credential.test.request;
		const node: INode = { id: 'n', name: 'n', type: 'x', typeVersion: 1, position: [0, 0], parameters: {} };
		const workflow = new Workflow({
			nodes: [node],
			connections: {},
			active: false,
			nodeTypes: {
				getByName: () => ({ description: { properties: [] } }),
				getByNameAndVersion: () => ({ description: { properties: [] } }),
				getKnownTypes: () => ({}),
			} as never,
		});
		// The expression resolution n8n's credential tester applies to the request.
		const baseURL = workflow.expression.getSimpleParameterValue(
			node,
			request.baseURL,
			'internal',
			{ $credentials: { url: pgw.url } } as never,
			undefined,
			'',
		);
		expect(baseURL).toBe(pgw.url);
		const res = await fetch(`${String(baseURL)}${request.url}`, { method: request.method });
		expect(res.status).toBe(200);
		// The rule fails the test when this key is missing: the real Pushgateway has it.
		const rule = (credential.test.rules ?? []).find((r) => r.type === 'responseSuccessBody') as { properties: { key: string } };
		const body = (await res.json()) as Record<string, unknown>;
		const value = rule.properties.key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], body);
		expect(value).toEqual(expect.any(String));
		// And a URL that is no Pushgateway fails the test.
		const wrong = await fetch(`${pgw.url}/nope${request.url}`);
		expect(wrong.status).toBe(404);
	});

	it('replace (PUT) drops what the previous push had; merge (POST) keeps metrics it does not name', async () => {
		const job = PUSH_JOBS.ingestion;
		const target = 'merge-check';
		const success: Sample[] = [
			{ metric: METRICS.ingestionLastRunSuccess, value: 1 },
			{ metric: METRICS.ingestionLastSuccess, value: 1_764_000_000 },
		];
		const failure: Sample[] = [{ metric: METRICS.ingestionLastRunSuccess, value: 0 }];
		const lastSuccess = async () => series(parseExposition(await pgw.metrics()), METRICS.ingestionLastSuccess.name, job, target);

		expect((await push({ url: pgw.url }, { job, target, samples: success })).error).toBeUndefined();
		expect((await push({ url: pgw.url }, { job, target, samples: failure, mode: 'merge' })).error).toBeUndefined();
		expect((await lastSuccess()).map((s) => s.value)).toEqual([1_764_000_000]);
		expect(series(parseExposition(await pgw.metrics()), METRICS.ingestionLastRunSuccess.name, job, target).map((s) => s.value)).toEqual([0]);

		expect((await push({ url: pgw.url }, { job, target, samples: failure })).error).toBeUndefined();
		expect(await lastSuccess()).toEqual([]);
	});

	it('pushes the group under job + target and the series read back from /metrics', async () => {
		const run = await push(
			{ url: pgw.url },
			{ job: PUSH_JOBS.health, target: 'rag-api', samples: healthSamples(1, 'warn', 0.25) },
		);
		expect(run.error).toBeUndefined();
		expect(run.outputs[0][0].json).toEqual({
			pushed: true,
			url: `${pgw.url}/metrics/job/ragops_health/target/rag-api`,
		});
		expect(run.outputs[0][0].pairedItem).toEqual({ item: 0 });

		const all = parseExposition(await pgw.metrics());
		expect(series(all, 'ragops_health_up', PUSH_JOBS.health, 'rag-api')).toEqual([
			{ name: 'ragops_health_up', labels: { job: 'ragops_health', target: 'rag-api', instance: '' }, value: 1 },
		]);
		const status = series(all, 'ragops_health_status', PUSH_JOBS.health, 'rag-api');
		expect(Object.fromEntries(status.map((s) => [s.labels.status, s.value]))).toEqual({
			pass: 0,
			warn: 1,
			fail: 0,
			unknown: 0,
		});
		expect(series(all, 'ragops_health_response_time_seconds', PUSH_JOBS.health, 'rag-api')[0].value).toBe(0.25);
		expect(series(all, 'ragops_health_last_run_timestamp_seconds', PUSH_JOBS.health, 'rag-api')[0].value).toBe(
			1764181234.5,
		);
		// The Pushgateway records the push time of the group: what staleness alerts use.
		expect(series(all, 'push_time_seconds', PUSH_JOBS.health, 'rag-api')).toHaveLength(1);
	});

	it('a second push replaces the whole group (series missing from it disappear)', async () => {
		await push({ url: pgw.url }, { job: PUSH_JOBS.health, target: 'replace-me', samples: healthSamples(1, 'pass', 0.1) });
		await push(
			{ url: pgw.url },
			{ job: PUSH_JOBS.health, target: 'replace-me', samples: [{ metric: METRICS.healthUp, value: 0 }] },
		);
		const all = parseExposition(await pgw.metrics());
		expect(series(all, 'ragops_health_up', PUSH_JOBS.health, 'replace-me').map((s) => s.value)).toEqual([0]);
		expect(series(all, 'ragops_health_status', PUSH_JOBS.health, 'replace-me')).toEqual([]);
		expect(series(all, 'ragops_health_response_time_seconds', PUSH_JOBS.health, 'replace-me')).toEqual([]);
	});

	it('targets with a slash, unicode, spaces and an empty target round-trip as label values', async () => {
		const targets = ['docs/en/v2', 'https://rag.example/healthz?x=1', 'Qdrant – Prod ✓', 'a b%2Fc', ''];
		const run = await push(
			{ url: pgw.url },
			(i) => ({ job: PUSH_JOBS.freshness, target: targets[i], samples: [{ metric: METRICS.freshnessChunks, value: i }] }),
			{ items: targets.length },
		);
		expect(run.outputs[0].map((o) => o.json.pushed)).toEqual(targets.map(() => true));
		const all = parseExposition(await pgw.metrics()).filter((s) => s.name === 'ragops_freshness_chunks');
		const byTarget = Object.fromEntries(all.map((s) => [s.labels.target ?? '', s.value]));
		expect(byTarget).toEqual(Object.fromEntries(targets.map((t, i) => [t, i])));
	});

	it('label values with quotes, backslashes and newlines survive the real Pushgateway parser', async () => {
		const nasty = 'a "quoted" \\ value\nwith newline';
		const run = await push(
			{ url: pgw.url },
			{
				job: PUSH_JOBS.health,
				target: 'escaping',
				samples: [{ metric: METRICS.healthStatus, labels: { status: nasty }, value: NaN }],
			},
		);
		expect(run.outputs[0][0].json.pushed).toBe(true);
		const [s] = series(parseExposition(await pgw.metrics()), 'ragops_health_status', PUSH_JOBS.health, 'escaping');
		expect(s.labels.status).toBe(nasty);
		expect(s.value).toBeNaN();
	});

	it('turns the Pushgateway rejecting a push (400) into a warning with its reason', async () => {
		// pushMetrics refuses what it can see is wrong, so provoke the Pushgateway's own
		// consistency check: a name already pushed as a gauge, now as a counter.
		await push({ url: pgw.url }, { job: PUSH_JOBS.health, target: 'gauge-first', samples: [{ metric: METRICS.healthUp, value: 1 }] });
		const other = { ...METRICS.healthUp, type: 'counter' as const };
		const run = await push({ url: pgw.url }, { job: PUSH_JOBS.health, target: 'inconsistent', samples: [{ metric: other, value: 1 }] });
		const outcome = run.outputs[0][0].json;
		expect(outcome.pushed).toBe(false);
		expect(outcome.warning).toMatch(
			/^Pushgateway at http:\/\/127\.0\.0\.1:\d+\/metrics\/job\/ragops_health\/target\/inconsistent answered HTTP 400 \(pushed metrics are invalid or inconsistent with existing metrics: .*\): metrics not pushed; the node's own result is unaffected$/i,
		);
	});
});

describe('pushMetrics when the Pushgateway is not well', () => {
	let server: Server;
	let base: string;
	const seen: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders; body: string }> = [];
	let answer: { status: number; body: string } | 'hang' = { status: 202, body: '' };

	beforeAll(async () => {
		server = createServer((req, res) => {
			let body = '';
			req.on('data', (c: Buffer) => (body += c.toString()));
			req.on('end', () => {
				seen.push({ method: req.method, url: req.url, headers: req.headers, body });
				if (answer === 'hang') return; // never answers; the push must time out
				res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});

	afterAll(async () => {
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	});

	beforeEach(() => {
		seen.length = 0;
		answer = { status: 202, body: '' };
	});

	const opts: PushOptions = { job: PUSH_JOBS.health, target: 'rag-api', samples: healthSamples(0, 'fail', 5) };

	it('sends PUT with the text format, and basic auth from the credential', async () => {
		const run = await push({ url: `${base}/`, username: 'metrics', password: 'p@ss:word' }, opts);
		expect(run.outputs[0][0].json.pushed).toBe(true);
		expect(seen).toHaveLength(1);
		expect(seen[0].method).toBe('PUT');
		expect(seen[0].url).toBe('/metrics/job/ragops_health/target/rag-api');
		expect(seen[0].headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
		expect(seen[0].headers.authorization).toBe(`Basic ${Buffer.from('metrics:p@ss:word').toString('base64')}`);
		expect(seen[0].body).toContain('ragops_health_up 0\n');
	});

	it('sends no Authorization header when no username is set', async () => {
		await push({ url: base, username: '', password: 'ignored' }, opts);
		expect(seen[0].headers.authorization).toBeUndefined();
	});

	it.each([
		[500, 'internal error', /answered HTTP 500 \(internal error\): metrics not pushed/],
		[400, 'pushed metrics are invalid or inconsistent with existing metrics: bad\nsecond line', /answered HTTP 400 \(pushed metrics are invalid or inconsistent with existing metrics: bad\): /],
		[401, 'Unauthorized', /answered HTTP 401 \(Unauthorized\) \(check the username and password/],
	])('HTTP %i gives pushed:false and a warning, no error', async (status, body, warning) => {
		answer = { status, body };
		const run = await push({ url: base }, opts);
		expect(run.error).toBeUndefined();
		expect(run.outputs[0][0].json).toEqual({
			pushed: false,
			url: `${base}/metrics/job/ragops_health/target/rag-api`,
			warning: expect.stringMatching(warning),
		});
	});

	it('a Pushgateway that is down gives a warning naming ECONNREFUSED, no error', async () => {
		const closed = createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const port = (closed.address() as AddressInfo).port;
		await new Promise<void>((resolve) => closed.close(() => resolve()));
		const run = await push({ url: `http://127.0.0.1:${port}` }, opts);
		expect(run.error).toBeUndefined();
		expect(run.outputs[0][0].json).toEqual({
			pushed: false,
			url: `http://127.0.0.1:${port}/metrics/job/ragops_health/target/rag-api`,
			warning: `Pushgateway at http://127.0.0.1:${port}/metrics/job/ragops_health/target/rag-api unreachable (ECONNREFUSED): metrics not pushed; the node's own result is unaffected`,
		});
	});

	it('a Pushgateway that never answers is given up after timeoutMs, with a warning', async () => {
		answer = 'hang';
		const run = await push({ url: base }, { ...opts, timeoutMs: 300 });
		expect(run.error).toBeUndefined();
		expect(run.outputs[0][0].json.pushed).toBe(false);
		expect(run.outputs[0][0].json.warning).toMatch(/unreachable \((ECONNABORTED|ETIMEDOUT)\): metrics not pushed/);
	});

	it('does not push (and needs no credential) when Push Metrics is off', async () => {
		const run = await runNode({
			node: pushProbe(() => opts),
			parameters: { pushMetrics: false },
		});
		expect(run.error).toBeUndefined();
		expect(run.outputs[0][0].json).toEqual({ skipped: true });
		expect(seen).toHaveLength(0);
	});

	it('fails the node with an actionable error for a credential URL that is not http(s)', async () => {
		const run = await push({ url: 'pushgateway:9091' }, opts);
		expect(run.error?.message).toMatch(/Cannot push metrics: Pushgateway URL "pushgateway:9091" is not an http/);
		expect(run.error?.description).toMatch(/Check the URL of the "RagOps Pushgateway API" credential/);
		expect(seen).toHaveLength(0);
	});

	it('fails the node for samples that break the catalog contract (wrong job, grouping-key label)', async () => {
		const wrongJob = await push({ url: base }, { ...opts, job: PUSH_JOBS.backup });
		expect(wrongJob.error?.message).toMatch(/ragops_health_up belongs to Pushgateway job ragops_health, not ragops_backup/);
		const keyLabel = await push(
			{ url: base },
			{ ...opts, samples: [{ metric: { ...METRICS.healthUp, labels: ['instance'] }, labels: { instance: 'x' }, value: 1 }] },
		);
		expect(keyLabel.error?.message).toMatch(/label "instance" is set by the push grouping key/);
		expect(seen).toHaveLength(0);
	});
});
