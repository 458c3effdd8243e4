/**
 * The RAG Health Check node inside n8n-core's real execution engine (node
 * harness: real `httpRequestWithAuthentication`, the credential's own
 * `authenticate`) against hostile servers, and a real Pushgateway for what
 * gets pushed. Every case scans items, the whole run data and the pushed
 * metrics for the planted secrets.
 */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { RagHealthCheck } from '../../../../nodes/RagHealthCheck/RagHealthCheck.node';
import { closedPort } from '../../../../testbed/faults/healthServers';
import { leakScanner, startHostileServer, type HostileServer } from '../../../../testbed/faults/hostileServers';
import { runNode, type RunNodeResult } from '../../../support/nodeHarness';
import { startPushgateway, type PushgatewayServer } from '../../../../testbed/pushgatewayServer';
import type { Tally } from './tally';

const TOKEN = 'tok-SECRET-5f1c';
const API_KEY = 'key-SECRET-77ab';
const PASSWORD = 'pw-SECRET-0d9e';
const URL_PASSWORD = 'url-SECRET-a41f';
const SECRETS = [TOKEN, API_KEY, PASSWORD, URL_PASSWORD, Buffer.from(`svc:${PASSWORD}`).toString('base64'), Buffer.from(`svc:${URL_PASSWORD}`).toString('base64')];
const scan = leakScanner(SECRETS);

const CREDENTIALS = {
	bearer: { authType: 'bearer', token: TOKEN },
	apiKeyHeader: { authType: 'apiKeyHeader', headerName: 'X-Api-Key', apiKey: API_KEY },
	basic: { authType: 'basic', user: 'svc', password: PASSWORD },
} as const;

type TargetParams = { name?: string; url: string; preset?: string; allowCrossOriginRedirects?: boolean; timeout?: number };

function params(targets: TargetParams[], extra: INodeParameters = {}, options: INodeParameters = {}): INodeParameters {
	return {
		targetSource: 'list',
		targets: { target: targets.map((t) => ({ preset: 'generic', critical: true, dependsOn: '', collection: '', timeout: 0, headers: '', name: '', ...t })) },
		options: { retries: 0, timeout: 5000, ...options },
		...extra,
	};
}

const items = (run: RunNodeResult): INodeExecutionData[] => [...(run.outputs[0] ?? []), ...(run.outputs[1] ?? [])];

export function healthCases(tally: Tally): void {
	let a: HostileServer;
	let b: HostileServer;
	let pgw: PushgatewayServer;
	beforeAll(async () => {
		a = await startHostileServer();
		b = await startHostileServer();
		pgw = await startPushgateway();
	});
	afterAll(async () => {
		await a.stop();
		await b.stop();
		await pgw.stop();
	});

	/** Run the node; assert it did not crash, its run data serializes small, and nothing secret is in it. */
	async function check(label: string, parameters: INodeParameters, credentials: Record<string, object> = {}, maxRunBytes = 200_000): Promise<RunNodeResult> {
		return await tally.run(label, async () => {
			const run = await runNode({ node: new RagHealthCheck(), parameters, credentials: credentials as never });
			expect(run.error).toBeUndefined();
			const serialized = JSON.stringify(run.run);
			expect(serialized.length).toBeLessThan(maxRunBytes);
			expect(tally.leaksIn(scan(serialized))).toEqual([]);
			return run;
		});
	}
	const to = (location: string, code = 302) => a.url(`/redirect?code=${code}&to=${encodeURIComponent(location)}`);

	describe('the RAG Service credential never reaches another origin (inside the execution engine)', () => {
		test.each(Object.keys(CREDENTIALS))('%s: a cross-origin redirect is a fail and the other origin sees nothing', async (kind) => {
			const before = b.seen.length;
			const run = await check(`cred ${kind} cross-origin default`, params([{ name: 't', url: to(b.url('/ok')) }], { authentication: 'ragServiceApi' }), {
				ragServiceApi: CREDENTIALS[kind as keyof typeof CREDENTIALS],
			});
			const [item] = items(run);
			expect(item.json).toMatchObject({ status: 'fail', error: { code: 'redirect_cross_origin' } });
			expect(b.seen.length).toBe(before);
			// The target's own origin got the credential (so the test would see a leak).
			expect(scan(a.seen.at(-1)!.headers).length).toBe(1);
		});
		test.each(Object.keys(CREDENTIALS))('%s: allowed per target, the hop goes out without the credential', async (kind) => {
			const before = b.seen.length;
			const run = await check(`cred ${kind} cross-origin allowed`, params([{ name: 't', url: to(b.url('/ok')), allowCrossOriginRedirects: true }], { authentication: 'ragServiceApi' }), {
				ragServiceApi: CREDENTIALS[kind as keyof typeof CREDENTIALS],
			});
			expect(items(run)[0].json).toMatchObject({ status: 'pass', finalUrl: b.url('/ok') });
			const hops = b.seen.slice(before);
			expect(hops).toHaveLength(1);
			expect(tally.leaksIn(scan(hops))).toEqual([]);
			expect(hops[0].headers.authorization).toBeUndefined();
		});
		test('same-origin hops keep the credential', async () => {
			const before = a.seen.length;
			const run = await check('cred bearer same-origin chain', params([{ name: 't', url: a.url('/chain/2') }], { authentication: 'ragServiceApi' }), { ragServiceApi: CREDENTIALS.bearer });
			expect(items(run)[0].json).toMatchObject({ status: 'pass' });
			const hops = a.seen.slice(before);
			expect(hops).toHaveLength(4);
			for (const hop of hops) expect(hop.headers.authorization).toBe(`Bearer ${TOKEN}`);
		});
		test('a redirect to the metadata address with a credential is blocked before any request', async () => {
			const run = await check('cred metadata', params([{ name: 't', url: to('http://169.254.169.254/latest/meta-data/'), allowCrossOriginRedirects: true }], { authentication: 'ragServiceApi' }), { ragServiceApi: CREDENTIALS.bearer });
			expect(items(run)[0].json).toMatchObject({ status: 'fail', error: { code: 'redirect_blocked' } });
		});
	});

	describe('pathological bodies are a clear fail, never a crash or a huge execution', () => {
		const deep = ['status', 'observedValue', 'components', 'objects', 'root'];
		test.each(deep)('100 000 deep in %s (ragApi preset)', async (where) => {
			const run = await check(`deep 100k ${where}`, params([{ name: 't', url: a.url(`/deep?n=100000&where=${where}`), preset: 'ragApi' }], {}, { maxBodySize: 2048 }));
			const [item] = items(run);
			expect(item.json.status).toBe('fail');
			expect(String(item.json.message)).toContain('nested deeper than 64 levels');
		});
		test.each([65, 1000])('%i deep is refused the same way', async (n) => {
			const run = await check(`deep ${n}`, params([{ name: 't', url: a.url(`/deep?n=${n}&where=observedValue`), preset: 'ragApi' }]));
			expect(String(items(run)[0].json.message)).toContain('nested deeper');
		});
		test.each(['status', 'observedValue', 'objects'])('60 deep in %s is read, and what is copied is bounded', async (where) => {
			const run = await check(`deep 60 ${where}`, params([{ name: 't', url: a.url(`/deep?n=60&where=${where}`), preset: 'ragApi' }]), {}, 20_000);
			expect(items(run)).toHaveLength(1);
		});
		test('a JSON-path condition on a 100 000 deep body says why, not "Maximum call stack"', async () => {
			const run = await check(
				'deep 100k jsonPath',
				params([{ name: 't', url: a.url('/deep?n=100000&where=objects') }], { conditions: { condition: [{ type: 'jsonPath', path: '$.details.a.a.a', operator: 'exists' }] } }, { maxBodySize: 2048 }),
			);
			const message = JSON.stringify(items(run)[0].json.checks);
			expect(message).toContain('nested deeper');
			expect(message).not.toMatch(/call stack/i);
		});
		test('20 000 components: the last one failing still fails the target, and at most 200 are copied', async () => {
			const run = await check('wide 20k components', params([{ name: 't', url: a.url('/wide?n=20000'), preset: 'ragApi' }], {}, { maxBodySize: 2048 }), {}, 400_000);
			const [item] = items(run);
			expect(item.json.status).toBe('fail');
			expect((item.json.components as unknown[]).length).toBe(200);
		});
		test.each([
			['gzip bomb (64 MiB of zeros)', '/gzip-bomb?mb=64'],
			['endless body', '/endless'],
		])('%s is cut at the body limit', async (label, path) => {
			const run = await check(label, params([{ name: 't', url: a.url(path), preset: 'ragApi' }], {}, { maxBodySize: 64 }));
			const [item] = items(run);
			expect(item.json).toMatchObject({ status: 'fail', bodyTruncated: true });
		});
		test.each([
			['slowloris body', '/slowloris'],
			['headers that never end', '/stall-headers'],
		])('%s ends at the deadline', async (label, path) => {
			const run = await check(label, params([{ name: 't', url: a.url(path), timeout: 300 }]));
			expect(items(run)[0].json).toMatchObject({ status: 'fail', error: { code: 'timeout' } });
		});
	});

	describe('network errors name the URL and what to check', () => {
		test('a host that does not resolve', async () => {
			const run = await check('dns', params([{ name: 't', url: 'http://ragops-does-not-exist.invalid:8000/health' }]));
			const error = items(run)[0].json.error as { code: string; message: string };
			expect(error.code).toBe('dns');
			expect(error.message).toContain('ragops-does-not-exist.invalid:8000');
			expect(error.message).toMatch(/check the host name/);
		});
		test('a closed port', async () => {
			const port = await closedPort();
			const run = await check('refused', params([{ name: 't', url: `http://svc:${URL_PASSWORD}@127.0.0.1:${port}/health` }]));
			const error = items(run)[0].json.error as { code: string; message: string };
			expect(error.code).toBe('connection_refused');
			expect(error.message).toContain(`http://127.0.0.1:${port}/health`);
			expect(error.message).toMatch(/check the port/);
		});
		test('TLS to a plain HTTP port', async () => {
			const run = await check('tls to http', params([{ name: 't', url: a.url('/ok').replace('http:', 'https:') }]));
			expect(items(run)[0].json.error).toMatchObject({ code: expect.stringMatching(/tls|invalid_response|connection_reset/) });
		});
	});

	describe('URL userinfo never reaches items, execution data or metric labels', () => {
		test('a nameless target with a password in its URL, pushed to a real Pushgateway', async () => {
			const url = `http://svc:${URL_PASSWORD}@${a.origin.slice('http://'.length)}/ok`;
			const run = await check('userinfo nameless pushed', params([{ url }], { pushMetrics: true }), { ragOpsPushgatewayApi: { url: pgw.url } });
			const [item] = items(run);
			expect(item.json.target).toBe(a.url('/ok'));
			expect(item.json.url).toBe(a.url('/ok'));
			expect(item.json.status).toBe('pass');
			expect(JSON.stringify(item.json.warnings)).toContain('Move it into a credential');
			// The request still carried it (basic auth from the URL): only what is shown is stripped.
			expect(a.seen.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from(`svc:${URL_PASSWORD}`).toString('base64')}`);
			const metrics = await pgw.metrics();
			expect(metrics).toContain(`target="${a.url('/ok')}"`);
			expect(tally.leaksIn(scan(metrics))).toEqual([]);
		});
		test.each([
			['an invalid URL', `http://svc:${URL_PASSWORD}@/x`],
			['a name that is itself a URL with a password', 'NAME'],
			['a redirect whose Location has a password', 'REDIRECT'],
		])('%s', async (label, url) => {
			const target: TargetParams =
				url === 'NAME'
					? { name: `http://svc:${URL_PASSWORD}@example/`, url: a.url('/ok') }
					: url === 'REDIRECT'
						? { name: 't', url: a.url(`/redirect?to64=${Buffer.from(`http://svc:${URL_PASSWORD}@localhost:1/x`).toString('base64')}`) }
						: { url };
			const run = await tally.run(`userinfo ${label}`, async () => await runNode({ node: new RagHealthCheck(), parameters: params([target]), continueOnFail: true }));
			expect(tally.leaksIn(scan(JSON.stringify(run.run)))).toEqual([]);
			expect(items(run).length + (run.error ? 1 : 0)).toBeGreaterThan(0);
		});
	});

	describe('names that are not plain text', () => {
		test('a lone surrogate in a target name: pushed with U+FFFD and a warning, the check unaffected', async () => {
			const run = await check('lone surrogate push', params([{ name: 'rag-\uD800-api', url: a.url('/ok') }], { pushMetrics: true }), { ragOpsPushgatewayApi: { url: pgw.url } });
			const [item] = items(run);
			expect(item.json).toMatchObject({ status: 'pass', metrics: { pushed: true } });
			expect(JSON.stringify(item.json.warnings)).toContain('lone surrogate');
			expect(await pgw.metrics()).toContain('target="rag-\uFFFD-api"');
		});
		test.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString'])('a target named %s is checked and reported', async (name) => {
			const run = await check(`target named ${name}`, params([{ name, url: a.url('/ok') }, { name: 'other', url: a.url('/ok') }]));
			expect(items(run).map((i) => i.json.target).sort()).toEqual([name, 'other'].sort());
		});
	});
}
