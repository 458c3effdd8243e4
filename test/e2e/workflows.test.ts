/**
 * The shipped workflows (workflows/*.json) in real n8n 2.40.7 with this
 * package installed from `npm pack` (testbed/n8n/testbed), every
 * process on 127.0.0.1:
 *
 * 1. Every file imports unchanged with `n8n import:workflow`; n8n links the
 *    credentials the workflows name (created beforehand under those names);
 *    the running n8n knows every node type and version they use, and every
 *    node's parameters are valid for the description n8n serves
 *    (/types/nodes.json, which includes this package's nodes as installed).
 * 2. The Manual Trigger path of each runs to success (`n8n execute`) against
 *    the example stack (testbed/stack: RAG API, ingestion API writing the
 *    freshness manifest, Qdrant snapshot-API stand-in), a real Pushgateway
 *    (Debian binary), and local stand-ins for what the stack does not run: the
 *    `search` service (testbed/faults/healthServers' /health), the feed, and S3
 *    (below: the AWS S3 REST API's GetBucketLocation, CreateMultipartUpload,
 *    UploadPart, ListParts, CompleteMultipartUpload, PutObject).
 *
 * What the test copies change, and only that: the example stack's URLs
 * (http://rag-api:8000 …) point at the stand-ins; the Slack and PagerDuty
 * nodes (their APIs have fixed hosts) become HTTP Request nodes that POST the
 * same message expressions to a local receiver; the S3 bucket name gets a dot
 * (n8n 2.40's AWS S3 node sends to the credential's custom S3 endpoint only
 * for such buckets); ingestion status polling is faster (0.05 s); and for the
 * "down" run of the health watch Failures Before Down is 1.
 * 3. Published in a running n8n, the repository ingestion receives a signed
 *    GitHub push; a failing run starts the error handler (its errorWorkflow).
 *    This part points the ingestion at the example ingestion service
 *    (testbed/stack/ingestionApi.ts) started on its own, whose test hooks
 *    record request bodies and can refuse a start with HTTP 500.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INodeTypeDescription } from 'n8n-workflow';

import { readDocs } from '../../testbed/stack/docsSearch';
import { DOCS_DIR, startExampleStack, type ExampleStack } from '../../testbed/stack/stack';
import { signPayload } from '../../nodes/IngestWebhookTrigger/hmac';
import { receiverNode, type ExportedNode } from '../../testbed/alertReceiver';
import { startHealthServer, type HealthServer } from '../../testbed/faults/healthServers';
import { startIngestionApi, type IngestionApi } from '../../testbed/stack/ingestionApi';
import type { N8nServer } from '../../testbed/n8n/server';
import { N8nTestBed, type WorkflowRun } from '../../testbed/n8n/testbed';
import { startPushgateway, type PushgatewayServer } from '../../testbed/pushgatewayServer';
import { parameterProblems } from '../unit/workflows/parameterCheck';
import {
	descriptionFor,
	ERROR_HANDLER_FILE,
	EXPECTED_FILES,
	readWorkflow,
	type WorkflowFile,
	type WorkflowNode,
} from '../unit/workflows/workflowFiles';

jest.setTimeout(900_000);

const WEBHOOK_SECRET = 'e2e-webhook-secret-0123456789';
const QDRANT_KEY = 'e2e-qdrant-key';
const S3_BUCKET = 'ragops.backups';

// ------------------------------------------------------------ local receivers

interface Received {
	path: string;
	body: Record<string, unknown>;
}

/** Stands in for Slack and PagerDuty: records what the (rewritten) alert nodes POST. */
async function startReceiver(): Promise<{ url: string; received: Received[]; stop(): Promise<void> }> {
	const received: Received[] = [];
	const server = createServer((req, res) => {
		void readBody(req).then((body) => {
			received.push({ path: req.url ?? '', body: JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown> });
			res.setHeader('content-type', 'application/json');
			res.end('{"ok":true}');
		});
	});
	return { url: await listen(server), received, stop: () => close(server) };
}

/** Serves the feed (the example stack has none). */
async function startFeed(): Promise<{ url: string; stop(): Promise<void> }> {
	const server = createServer((req, res) => {
		res.statusCode = req.url === '/feed.xml' ? 200 : 404;
		res.setHeader('content-type', 'application/rss+xml');
		res.end(req.url === '/feed.xml' ? FEED : '');
	});
	const url = await listen(server);
	return { url, stop: () => close(server) };
}

const FEED = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Docs</title><link>https://docs.example.com/</link><description>Docs changes</description>
<item><title>Retention guide</title><link>https://docs.example.com/retention</link><guid isPermaLink="false">docs-post-42</guid><pubDate>Wed, 25 Nov 2026 10:00:00 GMT</pubDate></item>
<item><title>Older post</title><link>https://docs.example.com/older</link><guid isPermaLink="false">docs-post-41</guid><pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate></item>
</channel></rss>`;

interface S3StandIn {
	url: string;
	objects: Map<string, Buffer>;
	requests: string[];
	stop(): Promise<void>;
}

/**
 * The part of the Amazon S3 REST API the AWS S3 node's upload uses, path-style
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/): GetBucketLocation,
 * CreateMultipartUpload, UploadPart, ListParts, CompleteMultipartUpload,
 * AbortMultipartUpload and PutObject. Signatures are not checked.
 */
async function startS3(): Promise<S3StandIn> {
	const objects = new Map<string, Buffer>();
	const uploads = new Map<string, { key: string; parts: Map<number, Buffer> }>();
	const requests: string[] = [];
	let counter = 0;
	const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
	const etag = (b: Buffer) => `"${createHash('md5').update(b).digest('hex')}"`;
	const server = createServer((req, res) => {
		void readBody(req).then((body) => {
			const url = new URL(req.url ?? '/', 'http://127.0.0.1');
			requests.push(`${req.method} ${url.pathname}${url.search}`);
			const [bucket, ...rest] = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
			const key = rest.join('/');
			const send = (code: number, text = '', headers: Record<string, string> = {}) => {
				res.writeHead(code, { 'content-type': 'application/xml', ...headers });
				res.end(text);
			};
			if (bucket !== S3_BUCKET) return send(404, xml('<Error><Code>NoSuchBucket</Code></Error>'));
			const q = url.searchParams;
			if (req.method === 'GET' && !key && q.has('location')) {
				return send(200, xml('<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">us-east-1</LocationConstraint>'));
			}
			if (req.method === 'POST' && q.has('uploads')) {
				const id = `upload-${++counter}`;
				uploads.set(id, { key, parts: new Map() });
				return send(200, xml(`<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`));
			}
			const upload = q.get('uploadId') ? uploads.get(q.get('uploadId')!) : undefined;
			if (q.get('uploadId') && !upload) return send(404, xml('<Error><Code>NoSuchUpload</Code></Error>'));
			if (req.method === 'PUT' && upload && q.has('partNumber')) {
				upload.parts.set(Number(q.get('partNumber')), body);
				return send(200, '', { ETag: etag(body) });
			}
			if (req.method === 'GET' && upload) {
				const parts = [...upload.parts.entries()].sort(([a], [b]) => a - b);
				const list = parts.map(([n, b]) => `<Part><PartNumber>${n}</PartNumber><ETag>${etag(b)}</ETag><Size>${b.length}</Size></Part>`).join('');
				return send(200, xml(`<ListPartsResult><Bucket>${bucket}</Bucket><Key>${upload.key}</Key><UploadId>${q.get('uploadId')}</UploadId>${list}</ListPartsResult>`));
			}
			if (req.method === 'POST' && upload) {
				const parts = [...upload.parts.entries()].sort(([a], [b]) => a - b).map(([, b]) => b);
				const object = Buffer.concat(parts);
				objects.set(upload.key, object);
				uploads.delete(q.get('uploadId')!);
				return send(200, xml(`<CompleteMultipartUploadResult><Location>${url.origin}/${bucket}/${upload.key}</Location><Bucket>${bucket}</Bucket><Key>${upload.key}</Key><ETag>${etag(object)}</ETag></CompleteMultipartUploadResult>`));
			}
			if (req.method === 'DELETE' && upload) {
				uploads.delete(q.get('uploadId')!);
				return send(204);
			}
			if (req.method === 'PUT' && key) {
				objects.set(key, body);
				return send(200, '', { ETag: etag(body) });
			}
			return send(400, xml('<Error><Code>NotImplemented</Code></Error>'));
		});
	});
	return { url: await listen(server), objects, requests, stop: () => close(server) };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

async function listen(server: Server): Promise<string> {
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
	server.closeAllConnections();
	await new Promise<void>((resolve) => server.close(() => resolve()));
}

// ------------------------------------------------------------ the test copies

let bed: N8nTestBed;
let stack: ExampleStack;
/** Stands in for the `search` service the example stack does not run (its /health). */
let search: HealthServer;
/** Records request bodies and can refuse a start: the published part's ingestion API. */
let ingestion: IngestionApi;
let pushgateway: PushgatewayServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let feed: Awaited<ReturnType<typeof startFeed>>;
let s3: S3StandIn;
const credentialIds: Record<string, string> = {};

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** An HTTP Request node that POSTs what an alert node would send, to the local receiver. */
function toReceiver(node: WorkflowNode, path: string, fields: Record<string, unknown>): WorkflowNode {
	return receiverNode(node as ExportedNode, `${receiver.url}${path}`, fields) as WorkflowNode;
}

/** Compose host → where the example stack (or the stand-in) listens. */
function hosts(): Record<string, string> {
	return {
		'rag-api:8000': stack.ragApi.url,
		'ingestion:8200': stack.ingestion.url,
		'qdrant:6333': stack.qdrant.url,
		'search:8100': search.baseUrl,
	};
}

/** http://rag-api:8000/healthz → http://127.0.0.1:<port>/healthz; fails on a host the test does not serve. */
function rewriteUrl(url: string): string {
	return url.replace(/^https?:\/\/([^/]+)/, (_whole, host: string) => {
		const local = hosts()[host];
		if (!local) throw new Error(`The test serves nothing for ${host} (in ${url})`);
		return local;
	});
}

/** Enables the production triggers the shipped files keep disabled, as the notes tell a user to before publishing. */
function goLive(wf: WorkflowFile): void {
	for (const node of wf.nodes) if (node.disabled && /trigger$/i.test(node.type)) delete node.disabled;
}

function testCopy(file: string, change: (wf: WorkflowFile) => void = () => undefined): WorkflowFile {
	const wf = clone(readWorkflow(file));
	wf.nodes = wf.nodes.map((node) => {
		const p = node.parameters as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
		switch (node.type) {
			case 'n8n-nodes-ragops.ragHealthCheck':
			case 'n8n-nodes-ragops.ragHealthWatchTrigger':
				for (const t of p.targets.target) t.url = rewriteUrl(t.url);
				return node;
			case 'n8n-nodes-ragops.ragIngestion':
				p.baseUrl = rewriteUrl(p.baseUrl);
				p.options = { ...p.options, pollIntervalSeconds: 0.05, maxPollIntervalSeconds: 0.05 };
				return node;
			case 'n8n-nodes-ragops.ragFreshnessCheck':
			case 'n8n-nodes-ragops.ragRetrievalCheck':
				p.url = rewriteUrl(p.url);
				return node;
			case 'n8n-nodes-ragops.qdrantBackup':
				// Restore's "Qdrant's Own URL" (where Qdrant fetches its own snapshot): the stand-in.
				if (p.selfUrl !== undefined) p.selfUrl = stack.qdrant.url;
				return node;
			case 'n8n-nodes-base.rssFeedRead':
				p.url = `${feed.url}/feed.xml`;
				return node;
			case 'n8n-nodes-base.rssFeedReadTrigger':
				p.feedUrl = `${feed.url}/feed.xml`;
				return node;
			case 'n8n-nodes-base.awsS3':
				p.bucketName = S3_BUCKET;
				// The shipped node has no credential (n8n shows "credentials not set"); the test gives it the S3 stand-in's.
				node.credentials = { aws: { id: null, name: 'RagOps S3 Backups' } };
				return node;
			case 'n8n-nodes-base.slack':
				return toReceiver(node, '/slack', { channel: p.channelId.value, text: p.text });
			case 'n8n-nodes-base.pagerDuty':
				return toReceiver(node, '/pagerduty', {
					title: p.title,
					incidentKey: p.additionalFields.incidentKey,
					details: p.additionalFields.details,
					urgency: p.additionalFields.urgency,
				});
			default:
				return node;
		}
	});
	change(wf);
	return wf;
}

/**
 * The gated ingestion workflows keep the accepted retrieval baseline in an n8n
 * data table, and n8n initialises its data-table module in `start`, `worker`
 * and `webhook` only (`n8n execute` answers "the module is disabled"): their
 * Try It path runs in a running n8n instead, started by a Webhook node added
 * beside Try It (feeding the same node). All three are imported before the
 * one server starts; it is stopped after the Manual Trigger tests.
 */
const GATED_FILES = ['nightly-ingestion.json', 'feed-ingestion.json', 'repo-ingestion.json'];
let gatedServer: N8nServer | undefined;

function withWebhookStart(wf: WorkflowFile): WorkflowFile {
	const manual = wf.nodes.find((n) => n.type === 'n8n-nodes-base.manualTrigger')!;
	wf.nodes.push({ id: `e2e-${wf.id}`, name: 'E2E Start', type: 'n8n-nodes-base.webhook', typeVersion: 2.1, position: [manual.position[0], manual.position[1] + 200], webhookId: `e2e-${wf.id}`, parameters: { httpMethod: 'POST', path: `e2e-${wf.id}`, options: {} } });
	wf.connections['E2E Start'] = wf.connections[manual.name]!;
	return wf;
}

async function executeGated(file: string): Promise<WorkflowRun> {
	if (!gatedServer) {
		await bed.importWorkflow(GATED_FILES.map((f) => withWebhookStart(testCopy(f))) as unknown as Array<Record<string, unknown>>);
		gatedServer = await bed.startServer();
		for (const f of GATED_FILES) await gatedServer.activateWorkflow(readWorkflow(f).id);
	}
	const id = readWorkflow(file).id;
	const before = (await gatedServer.listExecutions(id)).length;
	const res = await fetch(gatedServer.webhookUrl(`e2e-${id}`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
	if (res.status !== 200) throw new Error(`${file}: the E2E Start webhook answered ${res.status}`);
	const run = await gatedServer.waitForExecution(id, { count: before + 1, timeoutMs: 180_000 });
	if (run.error) throw new Error(`${file} failed: ${run.error.message}`);
	return run;
}

async function execute(wf: WorkflowFile): Promise<WorkflowRun> {
	const run = await bed.run(wf as unknown as Record<string, unknown>);
	if (run.error) throw new Error(`${wf.name} failed: ${run.error.message}\n${run.log.slice(-3000)}`);
	return run;
}

const sent = (path: string) => receiver.received.filter((r) => r.path === path).map((r) => r.body);

beforeAll(async () => {
	stack = await startExampleStack({ qdrantApiKey: QDRANT_KEY, collections: ['docs'] });
	search = await startHealthServer();
	ingestion = await startIngestionApi({ defaultBehaviour: { outcome: 'succeed', pollsUntilDone: 1, documents: 12, chunks: 345 } });
	pushgateway = await startPushgateway();
	receiver = await startReceiver();
	feed = await startFeed();
	s3 = await startS3();
	bed = await N8nTestBed.create();
	// The names the workflows reference; n8n links them by name on import.
	const credentials = [
		{ name: 'RagOps Pushgateway', type: 'ragOpsPushgatewayApi', data: { url: pushgateway.url } },
		{ name: 'RagOps Qdrant', type: 'ragOpsQdrantApi', data: { url: stack.qdrant.url, apiKey: QDRANT_KEY } },
		{ name: 'RagOps GitHub Webhook Secret', type: 'ragOpsWebhookSecretApi', data: { secret: WEBHOOK_SECRET } },
		{ name: 'RagOps Slack', type: 'slackApi', data: { accessToken: 'not-a-token' } },
		{ name: 'RagOps PagerDuty', type: 'pagerDutyApi', data: { apiToken: 'not-a-token' } },
		{
			name: 'RagOps S3 Backups',
			type: 'aws',
			data: { region: 'us-east-1', accessKeyId: 'e2e-access-key', secretAccessKey: 'e2e-secret', temporaryCredentials: false, customEndpoints: true, s3Endpoint: s3.url },
		},
	];
	const ids = await bed.importCredentials(credentials);
	credentials.forEach((c, i) => (credentialIds[c.type] = ids[i]!));
});

afterAll(async () => {
	await bed?.dispose();
	await Promise.all([stack?.stop(), search?.stop(), ingestion?.stop(), pushgateway?.stop(), receiver?.stop(), feed?.stop(), s3?.stop()]);
});

// ------------------------------------------------------------ 1. import and recognition

describe('the shipped files, unchanged', () => {
	let n8n: N8nServer;

	beforeAll(async () => {
		for (const file of EXPECTED_FILES) await bed.importWorkflow(readWorkflow(file) as unknown as Record<string, unknown>);
		n8n = await bed.startServer();
	});

	afterAll(async () => {
		await n8n?.stop();
	});

	test.each(EXPECTED_FILES)('%s imports with `n8n import:workflow`; n8n links its credentials by name and keeps its settings', async (file) => {
		const original = readWorkflow(file);
		const stored = await n8n.rest<WorkflowFile>('GET', `/workflows/${original.id}`);
		expect(stored.name).toBe(original.name);
		expect(stored.nodes.map((n) => n.name).sort()).toEqual(original.nodes.map((n) => n.name).sort());
		expect(stored.settings).toMatchObject(original.settings);
		expect(stored.active).toBe(false);
		for (const node of stored.nodes) {
			for (const [type, ref] of Object.entries(node.credentials ?? {})) {
				// n8n links by name on import for enabled nodes only (its replaceInvalidCredentials skips
				// disabled ones, as does its run-time check); a disabled trigger's is linked once it is enabled
				// and saved (test/e2e/editor.test.ts).
				expect({ node: node.name, type, id: ref.id }).toEqual({ node: node.name, type, id: node.disabled ? null : credentialIds[type] });
			}
		}
		// No reference left unresolved on an enabled node: n8n 2.40 refuses every run of a workflow holding one ("uses invalid credential").
		expect(stored.nodes.filter((n) => !n.disabled).flatMap((n) => Object.values(n.credentials ?? {})).filter((ref) => !ref.id)).toEqual([]);
	});

	test('the running n8n knows every node type and version the workflows use, and every parameter is valid for the description it serves', async () => {
		const res = await n8n.getAuthed('/types/nodes.json');
		expect(res.status).toBe(200);
		const served = (await res.json()) as INodeTypeDescription[];
		const byName = new Map<string, INodeTypeDescription[]>();
		for (const d of served) byName.set(d.name, [...(byName.get(d.name) ?? []), d]);
		const problems: string[] = [];
		for (const file of EXPECTED_FILES) {
			for (const node of readWorkflow(file).nodes) {
				// n8n serves built-ins as `n8n-nodes-base.x` and community nodes as `<package>.x`.
				const description = descriptionFor(byName.get(node.type) ?? [], node.typeVersion);
				if (!description) {
					problems.push(`${file} ${node.name}: n8n does not know ${node.type} v${node.typeVersion}`);
					continue;
				}
				problems.push(...parameterProblems(node, description).map((p) => `${file} ${node.name}: ${p}`));
			}
		}
		expect(problems).toEqual([]);
		expect(n8n.log()).not.toMatch(/Unrecognized node type|Unknown node type/i);
	});
});

// ------------------------------------------------------------ 2. Manual Trigger paths

describe('the Manual Trigger path of each workflow runs to success against the example stack', () => {
	const runsOf = (source: string) => stack.ingestion.runs.filter((r) => r.source === source);

	afterAll(async () => {
		await gatedServer?.stop();
		gatedServer = undefined;
	});

	test('health watch: rag-api, search, qdrant and ingestion pass and go to OK; metrics reach the real Pushgateway; nothing is sent', async () => {
		const run = await execute(testCopy('health-watch.json'));
		expect(run.nodesRun).toContain('Try It (Manual Trigger)');
		const ok = run.json('RAG Health Check (now)', 1);
		expect(run.json('RAG Health Check (now)', 0)).toEqual([]);
		expect(ok.map((i) => [i.target, i.status, i.state])).toEqual([
			['rag-api', 'pass', 'up'],
			['search', 'pass', 'up'],
			['qdrant', 'pass', 'up'],
			['ingestion', 'pass', 'up'],
		]);
		expect(ok.every((i) => (i.metrics as { pushed: boolean }).pushed)).toBe(true);
		const metrics = await pushgateway.metrics();
		for (const target of ['rag-api', 'search', 'qdrant', 'ingestion']) {
			expect(metrics).toMatch(new RegExp(`ragops_health_up\\{[^}]*target="${target}"[^}]*\\} 1`));
		}
		expect(search.count('/health')).toBeGreaterThanOrEqual(1);
		expect(receiver.received).toEqual([]);
	});

	test('health watch Try It with rag-api down: one Slack message and one PagerDuty incident, the rest OK', async () => {
		const wf = testCopy('health-watch.json', (w) => {
			w.id = 'RagOpsHealthDown';
		});
		stack.ragApi.setFailing(true);
		try {
			const run = await execute(wf);
			// The one-shot check has no memory: a failing target is down at once.
			expect(run.json('RAG Health Check (now)', 0).map((i) => [i.target, i.event, i.critical])).toEqual([['rag-api', 'down', true]]);
			expect(run.json('RAG Health Check (now)', 1).map((i) => i.target)).toEqual(['search', 'qdrant', 'ingestion']);
		} finally {
			stack.ragApi.setFailing(false);
		}
		const slack = sent('/slack');
		expect(slack.map((m) => m.text)).toEqual([
			expect.stringMatching(/^:rotating_light: \*rag-api\* is down \(critical\): .+\nhttp:\/\/127\.0\.0\.1:\d+\/healthz$/),
		]);
		expect(slack[0]!.channel).toBe('#rag-alerts');
		expect(sent('/pagerduty')).toEqual([
			expect.objectContaining({ title: '[RagOps] rag-api is down', incidentKey: 'ragops-health-rag-api', urgency: 'high' }),
		]);
		receiver.received.length = 0;
		// Transitions (down once, recovered once, across workers and restarts) are the
		// published RAG Health Watch's job: test/e2e/scaling.test.ts.
	});

	test('nightly ingestion: the run succeeds and writes the manifest, which is fresh; both push metrics; a failed run goes to Slack', async () => {
		const before = runsOf('docs').length;
		const run = await executeGated('nightly-ingestion.json');
		expect(run.nodesRun).toContain('E2E Start');
		const record = run.json('RAG Ingestion', 0)[0]!;
		// The run's counts are the stack's pipeline's: docs/ files read, sections written to Qdrant.
		const sections = readDocs(DOCS_DIR);
		const files = new Set(sections.map((s) => s.id.split('#')[0])).size;
		expect(record).toMatchObject({ source: 'docs', status: 'succeeded', documentsProcessed: files, chunksWritten: sections.length, metrics: { pushed: true } });
		expect(runsOf('docs').slice(before).map((r) => [r.run_id, r.status])).toEqual([[record.runId, 'succeeded']]);
		// The manifest the run just wrote.
		expect(run.json('RAG Freshness Check', 0)).toEqual([
			expect.objectContaining({ manifestName: 'docs', status: 'pass', manifest: expect.objectContaining({ runId: record.runId, chunkCount: sections.length }) }),
		]);
		const metrics = await pushgateway.metrics();
		expect(metrics).toMatch(/ragops_ingestion_last_run_success\{[^}]*target="docs"[^}]*\} 1/);
		expect(metrics).toMatch(new RegExp(`ragops_freshness_chunks\\{[^}]*target="docs"[^}]*\\} ${sections.length}\n`));
		// The gate: snapshot verified before the run, the golden set passes, the baseline is accepted.
		expect(run.json('Verify Snapshot')[0]).toMatchObject({ verified: true });
		expect(run.json('Retrieval Gate', 0)).toEqual([expect.objectContaining({ goldenSet: 'docs', status: 'pass' })]);
		expect(run.nodesRun).toContain('Accept Baseline');
		expect(run.nodesRun).not.toContain('Restore Snapshot');
		expect(metrics).toMatch(/ragops_retrieval_cases\{[^}]*target="docs"[^}]*\} 11/);
		expect(receiver.received).toEqual([]);

		stack.ingestion.setOutcome('docs', 'fail');
		try {
			const failed = await executeGated('nightly-ingestion.json');
			expect(failed.json('RAG Ingestion', 1)).toEqual([expect.objectContaining({ status: 'failed' })]);
			expect(failed.nodesRun).not.toContain('RAG Freshness Check');
		} finally {
			stack.ingestion.setOutcome('docs', 'succeed');
		}
		expect(sent('/slack').map((m) => m.text)).toEqual([
			expect.stringMatching(/^:x: Nightly ingestion of \*docs\* failed \(run \S+\): embedding service returned 503 for 3 documents$/),
		]);
		receiver.received.length = 0;
	});

	test('freshness watch: a 1 h old manifest goes to Fresh; a 30 h old one to Stale and Slack', async () => {
		stack.ingestion.backdateManifest(3600);
		const run = await execute(testCopy('freshness-watch.json'));
		expect(run.nodesRun).toContain('Try It (Manual Trigger)');
		expect(run.json('RAG Freshness Check', 0)).toEqual([expect.objectContaining({ status: 'pass', reasons: [] })]);
		expect(receiver.received).toEqual([]);

		stack.ingestion.backdateManifest(30 * 3600);
		const stale = await execute(testCopy('freshness-watch.json'));
		expect(stale.json('RAG Freshness Check', 1)).toEqual([expect.objectContaining({ status: 'warn' })]);
		expect(sent('/slack').map((m) => m.text)).toEqual([expect.stringMatching(/^:warning: The \*docs\* index is \*stale\*: .*age/)]);
		receiver.received.length = 0;
		stack.ingestion.backdateManifest(3600);
	});

	test("feed ingestion: the feed's newest item starts one run keyed by its guid", async () => {
		const before = runsOf('docs').length;
		const run = await executeGated('feed-ingestion.json');
		expect(run.json('RSS Read').map((i) => i.guid)).toEqual(['docs-post-42', 'docs-post-41']);
		expect(run.json('RAG Ingestion', 0)).toEqual([expect.objectContaining({ status: 'succeeded', idempotencyKey: 'docs-post-42' })]);
		expect(runsOf('docs').length).toBe(before + 1);
	});

	test('repository ingestion: the sample push starts one run keyed by its repository@commit', async () => {
		const before = runsOf('docs').length;
		const run = await executeGated('repo-ingestion.json');
		expect(run.json('RAG Ingestion', 0)).toEqual([
			expect.objectContaining({ status: 'succeeded', idempotencyKey: `example/docs@${'0'.repeat(40)}` }),
		]);
		expect(runsOf('docs').length).toBe(before + 1);
		expect(run.json('Retrieval Gate', 0)).toHaveLength(1);
		// The last gated run: stop its server before the CLI runs on the same database go on.
		await gatedServer?.stop();
		gatedServer = undefined;
	});

	test('Qdrant backup: create, download, verify, upload to S3 (the object is the snapshot byte for byte), then retention keeps the new snapshot', async () => {
		const qdrant = stack.qdrant;
		// The gated ingestions above left their pre-ingestion snapshots: this test counts its own.
		qdrant.collections.get('docs')!.clear();
		const old = Array.from({ length: 4 }, (_, i) =>
			qdrant.addSnapshot('docs', { creationTime: new Date(Date.UTC(2026, 10, 20 + i, 3, 30)), content: { size: 2048, seed: 7 + i } }),
		);
		const run = await execute(testCopy('qdrant-backup.json'));
		expect(run.nodesRun).toContain('Try It (Manual Trigger)');
		const snapshot = run.json('Create Snapshot')[0]!.snapshot as { name: string; size: number; checksum: string };
		expect(run.json('Verify Snapshot')[0]).toMatchObject({ verified: true, sha256: snapshot.checksum });
		const key = `qdrant/docs/${snapshot.name}`;
		expect([...s3.objects.keys()]).toEqual([key]);
		const object = s3.objects.get(key)!;
		expect(object.length).toBe(snapshot.size);
		expect(createHash('sha256').update(object).digest('hex')).toBe(snapshot.checksum);
		expect(s3.requests.some((r) => r.startsWith(`POST /${S3_BUCKET}/${key}?uploads`))).toBe(true);
		expect(run.json('Apply Retention')[0]).toMatchObject({ protected: snapshot.name, dryRun: false });
		// keepLast 3 and keepDaily 7 over five daily snapshots: all kept.
		expect([...qdrant.collections.get('docs')!.keys()].sort()).toEqual([snapshot.name, ...old.map((s) => s.name)].sort());
		expect(run.nodesRun.indexOf('Apply Retention')).toBeGreaterThan(run.nodesRun.indexOf('Upload to S3'));
		// Every request but Qdrant's auth-exempt probes (the health watch's /readyz) carried the key.
		const probes = ['/', '/healthz', '/livez', '/readyz'];
		expect(qdrant.requests.filter((r) => !probes.includes(r.path) && r.apiKey !== QDRANT_KEY)).toEqual([]);
		expect(await pushgateway.metrics()).toMatch(/ragops_backup_verified\{[^}]*target="docs"[^}]*\} 1/);
	});

	test('error handler: the sample failure is posted to Slack', async () => {
		const run = await execute(testCopy(ERROR_HANDLER_FILE));
		expect(run.nodesRun).not.toContain('Error Trigger');
		expect(sent('/slack').map((m) => m.text)).toEqual([
			':x: n8n workflow *RagOps: Health Watch* failed in node RAG Health Check: Sample failure: this is a test of the RagOps error handler\nhttp://localhost:5678/execution/manual-test',
		]);
		receiver.received.length = 0;
	});
});

// ------------------------------------------------------------ 3. published

describe('published in a running n8n', () => {
	let n8n: N8nServer;
	const repoId = readWorkflow('repo-ingestion.json').id;
	const handlerId = readWorkflow(ERROR_HANDLER_FILE).id;

	beforeAll(async () => {
		const repo = testCopy('repo-ingestion.json', (w) => {
			goLive(w);
			for (const node of w.nodes.filter((n) => n.type === 'n8n-nodes-ragops.ragIngestion')) node.parameters.baseUrl = ingestion.url;
		});
		const others = EXPECTED_FILES.filter((f) => f !== 'repo-ingestion.json').map((f) => testCopy(f, goLive));
		await bed.importWorkflow([repo, ...others] as unknown as Array<Record<string, unknown>>);
		n8n = await bed.startServer();
		await n8n.activateWorkflow(repoId);
		// n8n 2.x runs an error workflow only in its published version.
		await n8n.activateWorkflow(handlerId);
	});

	afterAll(async () => {
		await n8n?.stop();
	});

	/** A signed push of commit `head`: the ingestion key is acme/handbook@<head>. */
	async function push(delivery: string, head = 'c0ffee'): Promise<Response> {
		const payload = JSON.stringify({
			ref: 'refs/heads/main',
			after: head,
			repository: { full_name: 'acme/handbook', default_branch: 'main' },
			commits: [{ id: head, added: ['docs/new.md'], modified: [], removed: [] }],
		});
		return await fetch(n8n.webhookUrl('ragops-repo-push'), {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				'X-GitHub-Event': 'push',
				'X-GitHub-Delivery': delivery,
				'X-Hub-Signature-256': signPayload(WEBHOOK_SECRET, payload),
			},
			body: payload,
		});
	}

	/** Executions so far (the CLI runs above are stored too). */
	const executions = async (id: string) => (await n8n.listExecutions(id)).length;

	test('repository ingestion: a signed GitHub push starts a run keyed by repository@head commit', async () => {
		const startsBefore = ingestion.starts.length;
		const count = await executions(repoId);
		const res = await push('e2e-delivery-1');
		expect(res.status).toBe(200);
		const run = await n8n.waitForExecution(repoId, { count: count + 1 });
		expect(run.error).toBeUndefined();
		expect(run.json('RAG Ingestion', 0)).toEqual([expect.objectContaining({ status: 'succeeded', idempotencyKey: 'acme/handbook@c0ffee' })]);
		const starts = ingestion.starts.slice(startsBefore);
		expect(starts.map((s) => s.body)).toEqual([
			{
				source: 'docs',
				mode: 'incremental',
				idempotency_key: 'acme/handbook@c0ffee',
				metadata: { trigger: 'github-push', repository: 'acme/handbook', commit: 'c0ffee', branch: 'main', changedPaths: ['docs/new.md'] },
			},
		]);
		expect(starts[0]!.headers['idempotency-key']).toBe('acme/handbook@c0ffee');
	});

	test('a failing run starts the error handler, which posts the failure to Slack', async () => {
		const count = await executions(repoId);
		const handled = await executions(handlerId);
		ingestion.behave('docs', { outcome: 'succeed', startStatus: 500 });
		try {
			// Another commit: the first one's key already has its run.
			const res = await push('e2e-delivery-2', 'badc0de');
			expect(res.status).toBe(200);
			const run = await n8n.waitForExecution(repoId, { count: count + 1 });
			expect(run.error?.message).toContain('HTTP 500');
			const handler = await n8n.waitForExecution(handlerId, { count: handled + 1 });
			expect(handler.error).toBeUndefined();
			expect(handler.nodesRun).toContain('Error Trigger');
		} finally {
			ingestion.behave('docs', { outcome: 'succeed', pollsUntilDone: 1, documents: 12, chunks: 345 });
		}
		expect(sent('/slack').map((m) => m.text)).toEqual([
			expect.stringMatching(/^:x: n8n workflow \*RagOps: Repository Ingestion\* failed in node RAG Ingestion: .*HTTP 500[^\n]*\nhttp:\/\/127\.0\.0\.1:\d+\/workflow\/RagOpsRepoIngest\/executions\/\d+$/),
		]);
	});

	test('the other workflows publish too: their Schedule and RSS Feed triggers go live', async () => {
		const rest = EXPECTED_FILES.filter((f) => !['repo-ingestion.json', ERROR_HANDLER_FILE].includes(f)).map((f) => readWorkflow(f).id);
		for (const id of rest) {
			// Throws with n8n's message when a trigger fails to activate.
			await n8n.activateWorkflow(id);
			const status = await n8n.rest<{ triggers: Array<{ status: string }> }>('GET', `/workflows/${id}/publication-status`);
			expect({ id, triggers: status.triggers.map((t) => t.status) }).toEqual({ id, triggers: expect.arrayContaining([expect.any(String)]) });
			expect(status.triggers.every((t) => t.status !== 'failed')).toBe(true);
		}
		for (const id of rest) await n8n.rest('POST', `/workflows/${id}/deactivate`);
	});
});
