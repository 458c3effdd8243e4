/**
 * The real-n8n test bed proves the package works in n8n 2.40 as a user gets
 * it: packed with `npm pack`, installed into `.n8n/nodes` like Settings →
 * Community Nodes does, loaded by n8n's own loader, listed by a running
 * `n8n start`, and a workflow (Manual Trigger → RAG Health Check, with a
 * credential imported through the CLI) executed against a local HTTP server.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { ensureN8n, loadWithN8nLoader, N8nTestBed, type N8nServer } from '../../testbed/n8n/testbed';

jest.setTimeout(15 * 60_000);

const token = 's3cret-token';
let bed: N8nTestBed;
let target: Server;
let base: string;
const requests: Array<{ url: string; headers: IncomingHttpHeaders }> = [];

// A RAG API stand-in: /health answers the IETF health-check format
// (draft-inadarei-api-health-check), only with the right bearer token;
// /search/health is a dependency that is down (503).
function startTarget(): Promise<void> {
	target = createServer((req, res) => {
		requests.push({ url: req.url ?? '', headers: req.headers });
		if (req.headers.authorization !== `Bearer ${token}`) {
			res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
			return;
		}
		if (req.url === '/health') {
			res.writeHead(200, { 'content-type': 'application/health+json' }).end(
				JSON.stringify({
					status: 'pass',
					version: '1',
					checks: { 'qdrant:responseTime': [{ componentType: 'datastore', status: 'pass', observedValue: 12, observedUnit: 'ms' }] },
				}),
			);
			return;
		}
		if (req.url === '/search/health') {
			res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"unavailable"}');
			return;
		}
		res.writeHead(404).end();
	});
	return new Promise((resolve) => target.listen(0, '127.0.0.1', resolve));
}

function packageN8nBlock(dir: string): { nodes: string[]; credentials: string[] } {
	return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).n8n;
}

beforeAll(async () => {
	await startTarget();
	base = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
	bed = await N8nTestBed.create();
});

afterAll(async () => {
	await bed?.dispose();
	await new Promise<void>((resolve) => (target ? target.close(() => resolve()) : resolve()));
});

test('without the cached n8n, the test bed says to run npm run setup', () => {
	expect(() => ensureN8n({ ...process.env, RAGOPS_N8N_DIR: '/nonexistent/n8n' })).toThrow(/npm run setup/);
});

test("n8n's own loader finds every node and credential of the installed package's n8n block", async () => {
	const block = packageN8nBlock(bed.packageDir!);
	// the tarball carries the n8n block the build wrote, and nothing is left out of it
	expect(block).toEqual(packageN8nBlock(join(__dirname, '../..')));
	expect(block.nodes.length).toBeGreaterThan(0);

	const loaded = await loadWithN8nLoader(bed.packageDir!);
	expect(loaded.packageName).toBe('n8n-nodes-ragops');
	expect(Object.values(loaded.nodes).sort()).toEqual([...block.nodes].sort());
	expect(Object.values(loaded.credentials).sort()).toEqual([...block.credentials].sort());
	expect(loaded.nodeTypes).toContain('n8n-nodes-ragops.ragHealthCheck');
	expect(Object.keys(loaded.credentials)).toEqual(expect.arrayContaining(['ragServiceApi', 'ragOpsPushgatewayApi']));
});

test('a Manual Trigger → RAG Health Check workflow runs in real n8n with an imported credential', async () => {
	await bed.importCredentials([
		{ id: 'ragopsTestbedCr1', name: 'Test bed RAG API token', type: 'ragServiceApi', data: { authType: 'bearer', token } },
	]);
	const workflow = JSON.parse(readFileSync(join(__dirname, 'fixtures/testbed-health-check.json'), 'utf8').replaceAll('__BASE__', base));
	requests.length = 0;
	const run = await bed.run(workflow);

	expect(run.error).toBeUndefined();
	expect(run.status).toBe('success');
	// the node called both targets, through n8n's HTTP helper, with the decrypted credential
	expect(requests.map((r) => r.url).sort()).toEqual(['/health', '/search/health']);
	expect(requests.every((r) => r.headers.authorization === `Bearer ${token}`)).toBe(true);

	// the one-shot check has no memory: the failing target is down now, on Alert; the healthy one on OK
	const [alert, ok] = run.outputs('RAG Health Check');
	const byTarget = Object.fromEntries([...alert, ...ok].map((item) => [item.json.target, item.json]));
	expect(Object.keys(byTarget).sort()).toEqual(['rag-api', 'search']);
	expect(ok.map((item) => item.json.target)).toEqual(['rag-api']);
	expect(byTarget['rag-api']).toMatchObject({ status: 'pass', statusCode: 200, url: `${base}/health` });
	expect(byTarget.search).toMatchObject({ status: 'fail', statusCode: 503, critical: false, event: 'down', state: 'down' });
	expect(String(byTarget.search.message)).toContain('503');
	// a failing non-critical target degrades the overall status to warn
	expect(byTarget['rag-api'].summary).toMatchObject({ status: 'warn', targets: 2, pass: 1, fail: 1 });
	expect(ok.every((item) => item.pairedItem !== undefined)).toBe(true);
	expect(run.executionTime('RAG Health Check')).toBeGreaterThanOrEqual(0);
});

test('executing a workflow id that does not exist rejects with n8n\'s message', async () => {
	await expect(bed.executeWorkflow('doesNotExist0001')).rejects.toThrow(/does not exist/);
});

describe('n8n start', () => {
	let server: N8nServer;
	let loadedTypes: string[];

	beforeAll(async () => {
		loadedTypes = (await loadWithN8nLoader(bed.packageDir!)).nodeTypes;
		const workflow = JSON.parse(readFileSync(join(__dirname, 'fixtures/testbed-health-check.json'), 'utf8').replaceAll('__BASE__', base));
		// the same check, started by a webhook of a published workflow
		workflow.id = 'ragopsTestbedWh1';
		workflow.name = 'Test bed: RAG Health Check behind a webhook';
		workflow.nodes[0] = {
			id: '4f1c6a0e-0002-4000-8000-000000000001',
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			position: [0, 0],
			webhookId: '6f7d3c2a-5b1e-4c8d-9a0f-1e2d3c4b5a69',
			parameters: { path: 'ragops-testbed-check', httpMethod: 'POST', responseMode: 'onReceived' },
		};
		workflow.connections = { Webhook: workflow.connections['When clicking Execute'] };
		await bed.importWorkflow(workflow);
		await bed.publishWorkflow('ragopsTestbedWh1');
		server = await bed.startServer();
	});

	afterAll(async () => {
		await server?.stop();
	});

	test('lists every node of the package as n8n-nodes-ragops.<name> and every credential type', async () => {
		const nodes = (await (await server.getAuthed('/types/nodes.json')).json()) as Array<{ name: string }>;
		const credentials = (await (await server.getAuthed('/types/credentials.json')).json()) as Array<{ name: string }>;
		const names = nodes.map((n) => n.name);
		expect(names).toEqual(expect.arrayContaining(loadedTypes));
		expect(names).toContain('n8n-nodes-ragops.ragHealthCheck');
		// n8n does not prefix credential types with the package name
		const credentialNames = credentials.map((c) => c.name);
		expect(credentialNames).toEqual(expect.arrayContaining(['ragServiceApi', 'ragOpsPushgatewayApi']));
	});

	test('serves its own metrics with N8N_METRICS=true', async () => {
		const text = await server.metrics();
		expect(text).toMatch(/^n8n_version_info\{.*version="v2\.40\.7".*\} 1$/m);
		expect(text).toMatch(/^n8n_active_workflow_count 1$/m);
	});

	test('a published webhook workflow runs the node, and its execution is read back through the REST API', async () => {
		requests.length = 0;
		const res = await fetch(server.webhookUrl('ragops-testbed-check'), { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
		expect(res.status).toBe(200);
		const run = await server.waitForExecution('ragopsTestbedWh1');
		expect(run.status).toBe('success');
		expect(run.nodesRun).toEqual(['Webhook', 'RAG Health Check']);
		expect(run.json('RAG Health Check', 0).map((j) => `${j.target}:${j.status}`)).toEqual(['search:fail']);
		expect(run.json('RAG Health Check', 1).map((j) => `${j.target}:${j.status}`)).toEqual(['rag-api:pass']);
		expect(requests).toHaveLength(2);
	});
});
