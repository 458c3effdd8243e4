/**
 * The hostile cases that matter most, inside a real n8n 2.40 (package packed
 * and installed by the test bed): credentials across origins, metadata
 * redirects, 100 000-deep health answers and passwords in URLs through
 * `n8n execute` (exit 0, small saved execution, no secret in the output, the
 * saved execution or the pushed metrics), and hostile webhook deliveries
 * against n8n's own webhook server (null body, GitHub form encoding, a body
 * over the node's limit and one over n8n's N8N_PAYLOAD_SIZE_MAX).
 */
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { signPayload } from '../../nodes/IngestWebhookTrigger/hmac';
import { leakScanner, startHostileServer, type HostileServer } from '../../testbed/faults/hostileServers';
import { parseCliRun, WorkflowRun } from '../../testbed/n8n/run';
import type { N8nServer } from '../../testbed/n8n/server';
import { N8nTestBed, randomId } from '../../testbed/n8n/testbed';
import { startPushgateway, type PushgatewayServer } from '../../testbed/pushgatewayServer';

jest.setTimeout(600_000);

const TOKEN = 'e2e-tok-SECRET-c0ffee';
const URL_PASSWORD = 'e2e-url-SECRET-beef';
const WEBHOOK_SECRET = 'e2e-hostile-webhook-secret-0123';
const scan = leakScanner([TOKEN, URL_PASSWORD, Buffer.from(`svc:${URL_PASSWORD}`).toString('base64')]);

let bed: N8nTestBed;
let a: HostileServer;
let b: HostileServer;
let pgw: PushgatewayServer;

beforeAll(async () => {
	a = await startHostileServer();
	b = await startHostileServer();
	pgw = await startPushgateway();
	bed = await N8nTestBed.create();
});

afterAll(async () => {
	await bed?.dispose();
	await a?.stop();
	await b?.stop();
	await pgw?.stop();
});

function target(name: string, url: string, extra: Record<string, unknown> = {}) {
	return { name, url, preset: 'generic', critical: true, dependsOn: '', collection: '', timeout: 0, headers: '', ...extra };
}

describe('RAG Health Check and Freshness Check in real n8n', () => {
	let run: WorkflowRun;
	let exitCode: number | null;
	let stdout: string;
	let workflowId: string;

	beforeAll(async () => {
		const [serviceId, pushId] = await bed.importCredentials([
			{ name: 'RAG service', type: 'ragServiceApi', data: { authType: 'bearer', token: TOKEN, testUrl: a.url('/ok') } },
			{ name: 'Pushgateway', type: 'ragOpsPushgatewayApi', data: { url: pgw.url } },
		]);
		const credentials = {
			ragServiceApi: { id: serviceId, name: 'RAG service' },
			ragOpsPushgatewayApi: { id: pushId, name: 'Pushgateway' },
		};
		const to = (location: string) => a.url(`/redirect?to=${encodeURIComponent(location)}`);
		const hostPort = a.origin.slice('http://'.length);
		workflowId = await bed.importWorkflow({
			id: randomId(),
			name: 'hostile (e2e)',
			nodes: [
				{ id: 't', name: 'Manual Trigger', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: 'h',
					name: 'Health',
					type: 'n8n-nodes-ragops.ragHealthCheck',
					typeVersion: 1,
					position: [220, 0],
					credentials,
					parameters: {
						targetSource: 'list',
						authentication: 'ragServiceApi',
						pushMetrics: true,
						// Room for the whole deep bodies (≈ 200-500 KB), so the nesting check is what refuses them.
						options: { retries: 0, timeout: 5000, maxBodySize: 2048 },
						targets: {
							target: [
								target('cross', to(b.url('/ok'))),
								target('cross-allowed', to(b.url('/ok')), { allowCrossOriginRedirects: true }),
								target('metadata', to('http://169.254.169.254/latest/meta-data/'), { allowCrossOriginRedirects: true }),
								target('loop', a.url('/loop/a')),
								target('deep-observed', a.url('/deep?n=100000&where=observedValue'), { preset: 'ragApi' }),
								target('deep-status', a.url('/deep?n=100000&where=status'), { preset: 'ragApi' }),
								target('deep-objects', a.url('/deep?n=100000&where=objects'), { preset: 'ragApi' }),
								target('', `http://svc:${URL_PASSWORD}@${hostPort}/ok`),
							],
						},
					},
				},
				{
					id: 'f',
					name: 'Freshness',
					type: 'n8n-nodes-ragops.ragFreshnessCheck',
					typeVersion: 1,
					position: [220, 200],
					credentials,
					parameters: { manifestName: '__proto__', source: 'url', url: to(b.url('/manifest')), authentication: 'ragServiceApi' },
				},
			],
			connections: {
				'Manual Trigger': {
					main: [
						[
							{ node: 'Health', type: 'main', index: 0 },
							{ node: 'Freshness', type: 'main', index: 0 },
						],
					],
				},
			},
			settings: { executionOrder: 'v1' },
			pinData: {},
		});
		const result = await bed.cli(['execute', `--id=${workflowId}`, '--rawOutput']);
		exitCode = result.code;
		stdout = result.stdout + result.stderr;
		const raw = parseCliRun(result.stdout);
		if (!raw) throw new Error(`n8n execute printed no run (exit ${result.code}):\n${stdout.slice(-4000)}`);
		run = new WorkflowRun(raw, stdout);
	});

	test('n8n execute exits 0 and the run has no error', () => {
		expect(exitCode).toBe(0);
		expect(run.error).toBeUndefined();
	});

	test('each hostile target is a clear fail with its own code; the healthy ones pass', () => {
		const byName = Object.fromEntries([...run.json('Health', 0), ...run.json('Health', 1)].map((j) => [j.target, j]));
		expect(byName.cross).toMatchObject({ status: 'fail', error: { code: 'redirect_cross_origin' } });
		expect(byName['cross-allowed']).toMatchObject({ status: 'pass', finalUrl: b.url('/ok') });
		expect(byName.metadata).toMatchObject({ status: 'fail', error: { code: 'redirect_blocked' } });
		expect(byName.loop).toMatchObject({ status: 'fail', error: { code: 'redirect_loop' } });
		for (const name of ['deep-observed', 'deep-status', 'deep-objects']) {
			expect(byName[name].status).toBe('fail');
			expect(String(byName[name].message)).toContain('nested deeper than 64 levels');
		}
		expect(byName[a.url('/ok')]).toMatchObject({ status: 'pass', url: a.url('/ok') });
		expect(JSON.stringify(byName[a.url('/ok')].warnings)).toContain('Move it into a credential');
		const [fresh, stale] = run.outputs('Freshness');
		expect(fresh).toHaveLength(0);
		expect(JSON.stringify(stale[0].json.reasons)).toContain('another origin');
	});

	test('the credential reached only the target origin; the allowed hop went out without it', () => {
		const toB = b.seen.filter((r) => r.path === '/ok' || r.path === '/manifest');
		expect(toB).toHaveLength(1);
		expect(toB[0].headers.authorization).toBeUndefined();
		expect(scan(b.seen)).toEqual([]);
		expect(a.seen.some((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
	});

	test('no secret in the output, the saved execution or the pushed metrics; the saved execution is small', async () => {
		expect(scan(stdout)).toEqual([]);
		const db = new Database(join(bed.userFolder, '.n8n', 'database.sqlite'), { readonly: true });
		try {
			const rows = db
				.prepare('SELECT d.data AS data FROM execution_data d JOIN execution_entity e ON e.id = d.executionId WHERE e.workflowId = ?')
				.all(workflowId) as Array<{ data: string }>;
			expect(rows.length).toBeGreaterThan(0);
			for (const row of rows) {
				expect(row.data.length).toBeLessThan(300_000);
				expect(scan(row.data)).toEqual([]);
			}
		} finally {
			db.close();
		}
		const metrics = await pgw.metrics();
		expect(metrics).toContain(`target="${a.url('/ok')}"`);
		expect(scan(metrics)).toEqual([]);
	});
});

describe('Ingest Webhook Trigger behind n8n\'s own webhook server', () => {
	let n8n: N8nServer;
	const payload = JSON.stringify({ ref: 'refs/heads/main', repository: { name: 'docs', default_branch: 'main' }, commits: [] });

	beforeAll(async () => {
		const [secretId] = await bed.importCredentials([{ name: 'hook secret', type: 'ragOpsWebhookSecretApi', data: { secret: WEBHOOK_SECRET } }]);
		const id = await bed.importWorkflow({
			id: randomId(),
			name: 'hostile webhook (e2e)',
			nodes: [
				{
					id: 'w',
					name: 'Ingest Webhook Trigger',
					type: 'n8n-nodes-ragops.ingestWebhookTrigger',
					typeVersion: 1,
					position: [0, 0],
					webhookId: '3b1f2a9e-6c7d-4e8f-9a0b-ragops-hostile',
					parameters: { path: 'ragops-hostile', signatureMode: 'github', events: 'push', branches: 'main' },
					credentials: { ragOpsWebhookSecretApi: { id: secretId, name: 'hook secret' } },
				},
				{ id: 'n', name: 'No Op', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} },
			],
			connections: { 'Ingest Webhook Trigger': { main: [[{ node: 'No Op', type: 'main', index: 0 }]] } },
			settings: { executionOrder: 'v1' },
			pinData: {},
		});
		// NODE_ENV=production as in n8n's Docker images: n8n adds stack traces to its own error answers only
		// in development (NODE_ENV unset), which matters for bodies over N8N_PAYLOAD_SIZE_MAX (below).
		n8n = await bed.startServer({ env: { N8N_PAYLOAD_SIZE_MAX: '16', NODE_ENV: 'production' } });
		await n8n.activateWorkflow(id);
	});

	const deliver = async (body: string | Buffer, contentType: string, delivery: string) => {
		const res = await fetch(n8n.webhookUrl('ragops-hostile'), {
			method: 'POST',
			headers: {
				'content-type': contentType,
				'X-GitHub-Event': 'push',
				'X-GitHub-Delivery': delivery,
				'X-Hub-Signature-256': signPayload(WEBHOOK_SECRET, body),
			},
			body,
		});
		return { status: res.status, text: await res.text() };
	};

	test('a signed null body is 400 and is not remembered: the fixed redelivery is accepted', async () => {
		const refused = await deliver('null', 'application/json', 'h-null');
		expect(refused.status).toBe(400);
		expect(refused.text).toContain('not a JSON object');
		const fixed = await deliver(payload, 'application/json', 'h-null');
		expect(fixed.status).toBe(200);
		expect(JSON.parse(fixed.text)).toMatchObject({ status: 'accepted' });
	});

	test("GitHub's form encoding (payload=<json>, signed over the form) is decoded and filtered", async () => {
		const res = await deliver(`payload=${encodeURIComponent(payload)}`, 'application/x-www-form-urlencoded', 'h-form');
		expect(res.status).toBe(200);
		expect(JSON.parse(res.text)).toMatchObject({ status: 'accepted' });
		const other = await deliver(`payload=${encodeURIComponent(payload.replace('refs/heads/main', 'refs/heads/dev'))}`, 'application/x-www-form-urlencoded', 'h-form-dev');
		expect(other.status).toBe(202);
		expect(JSON.parse(other.text)).toMatchObject({ status: 'ignored', reason: expect.stringContaining('branch "dev"') });
	});

	test('a 10 MB body (over the node limit, under n8n\'s) is 413 without a stack trace', async () => {
		const big = `{"pad":"${'a'.repeat(10 * 1024 * 1024)}"}`;
		const res = await deliver(big, 'application/json', 'h-big');
		expect(res.status).toBe(413);
		expect(res.text).not.toMatch(/\n\s+at |"stack"/);
	});

	test('a 20 MB body (over N8N_PAYLOAD_SIZE_MAX) never reaches the node: n8n answers 500 itself, no stack trace in production', async () => {
		// n8n 2.40 parses the body before it runs a webhook node (webhook-helpers parseRequestBody), and
		// raw-body's 413 error is not one of n8n's response errors, so n8n answers 500 itself. Documented
		// in docs/nodes/ingest-webhook-trigger.md; the node cannot change it.
		const huge = Buffer.alloc(20 * 1024 * 1024, 0x61);
		const res = await deliver(huge, 'application/json', 'h-huge');
		expect(res.status).toBe(500);
		expect(res.text).not.toMatch(/\n\s+at |stack/);
	});
});
