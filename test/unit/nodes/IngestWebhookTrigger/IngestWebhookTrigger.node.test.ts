import { IngestWebhookTrigger } from '../../../../nodes/IngestWebhookTrigger/IngestWebhookTrigger.node';
import { signPayload } from '../../../../nodes/IngestWebhookTrigger/hmac';
import { globToRegExp } from '../../../../nodes/IngestWebhookTrigger/filters';
import { post, serveWebhook, type WebhookRig } from '../../../../testbed/n8n/webhookServer';

const SECRET = "It's a Secret to Everybody";
const creds = { ragOpsWebhookSecretApi: { secret: SECRET } };

function pushPayload(overrides: Record<string, unknown> = {}): string {
	return JSON.stringify({
		ref: 'refs/heads/main',
		repository: { full_name: 'acme/docs', default_branch: 'main' },
		commits: [{ id: 'a1', added: ['docs/new.md'], modified: ['README.md'], removed: [] }],
		head_commit: { id: 'a1', added: ['docs/new.md'], modified: ['README.md'], removed: [] },
		...overrides,
	});
}

function githubHeaders(body: string, delivery: string, event = 'push', secret = SECRET): Record<string, string> {
	return {
		'X-GitHub-Event': event,
		'X-GitHub-Delivery': delivery,
		'X-Hub-Signature-256': signPayload(secret, body),
	};
}

describe('Ingest Webhook Trigger (GitHub mode)', () => {
	let rig: WebhookRig;
	beforeEach(async () => {
		rig = await serveWebhook(new IngestWebhookTrigger(), {}, creds);
	});
	afterEach(async () => rig.close());

	it('accepts a correctly signed push and starts one execution with the delivery details', async () => {
		const body = pushPayload();
		const res = await post(rig.url, body, githubHeaders(body, 'd-1'));
		expect(res).toEqual({ status: 200, json: { status: 'accepted', deliveryId: 'd-1' } });
		expect(rig.executions).toHaveLength(1);
		const item = rig.executions[0][0][0].json;
		expect(item).toMatchObject({
			event: 'push',
			deliveryId: 'd-1',
			branch: 'main',
			changedPaths: ['docs/new.md', 'README.md'],
		});
		expect((item.body as { repository: { full_name: string } }).repository.full_name).toBe('acme/docs');
	});

	it("verifies the signature over the raw bytes (GitHub's test vector body, not JSON: signed, then refused as no object)", async () => {
		const res = await post(rig.url, 'Hello, World!', {
			'content-type': 'text/plain',
			'X-GitHub-Event': 'push',
			'X-GitHub-Delivery': 'vector',
			'X-Hub-Signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
		});
		// Past the signature check (else 401), refused by the body check.
		expect(res.status).toBe(400);
		expect(res.json).toMatchObject({ status: 'rejected', reason: expect.stringContaining('not valid JSON') });
		expect(rig.executions).toHaveLength(0);
	});

	it('answers 401 and starts nothing without a signature', async () => {
		const body = pushPayload();
		const res = await post(rig.url, body, { 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': 'd-2' });
		expect(res.status).toBe(401);
		expect(res.json).toMatchObject({ status: 'rejected', reason: 'missing signature (X-Hub-Signature-256)' });
		expect(rig.executions).toHaveLength(0);
	});

	it('answers 401 and starts nothing for a wrong secret or a tampered body', async () => {
		const body = pushPayload();
		const wrong = await post(rig.url, body, githubHeaders(body, 'd-3', 'push', 'not the secret'));
		const tampered = await post(rig.url, body.replace('main', 'mainx'), githubHeaders(body, 'd-4'));
		expect([wrong.status, tampered.status]).toEqual([401, 401]);
		expect(wrong.json.reason).toBe('signature mismatch (X-Hub-Signature-256)');
		expect(rig.executions).toHaveLength(0);
	});

	it('rejects a redelivery of an accepted delivery id without a second execution', async () => {
		const body = pushPayload();
		const first = await post(rig.url, body, githubHeaders(body, 'd-5'));
		const replay = await post(rig.url, body, githubHeaders(body, 'd-5'));
		expect(first.status).toBe(200);
		expect(replay).toEqual({ status: 200, json: { status: 'duplicate', deliveryId: 'd-5' } });
		expect(rig.executions).toHaveLength(1);
	});

	it('does not remember a rejected delivery: the correctly signed one with the same id still runs', async () => {
		const body = pushPayload();
		await post(rig.url, body, githubHeaders(body, 'd-6', 'push', 'forged'));
		const good = await post(rig.url, body, githubHeaders(body, 'd-6'));
		expect(good.status).toBe(200);
		expect(rig.executions).toHaveLength(1);
	});

	it('answers a ping with 200 and starts nothing', async () => {
		const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
		const res = await post(rig.url, body, githubHeaders(body, 'p-1', 'ping'));
		expect(res).toEqual({ status: 200, json: { status: 'pong', deliveryId: 'p-1' } });
		expect(rig.executions).toHaveLength(0);
	});

	it('ignores other events with 202 (default filter: push)', async () => {
		const body = JSON.stringify({ action: 'opened' });
		const res = await post(rig.url, body, githubHeaders(body, 'i-1', 'issues'));
		expect(res.status).toBe(202);
		expect(res.json.reason).toBe('event "issues" is not one of: push');
		expect(rig.executions).toHaveLength(0);
	});

	it('keeps only the last N delivery ids (bounded static data)', async () => {
		await rig.close();
		rig = await serveWebhook(new IngestWebhookTrigger(), { replayMemory: 3 }, creds);
		for (const id of ['a', 'b', 'c', 'd']) {
			const body = pushPayload({ after: id });
			expect((await post(rig.url, body, githubHeaders(body, id))).status).toBe(200);
		}
		expect(Object.keys(rig.staticData.acceptedDeliveries as object)).toEqual(['k:b', 'k:c', 'k:d']);
		// "a" fell out of the window, "d" did not.
		const a = pushPayload({ after: 'a' });
		const d = pushPayload({ after: 'd' });
		expect((await post(rig.url, d, githubHeaders(d, 'd'))).json.status).toBe('duplicate');
		expect((await post(rig.url, a, githubHeaders(a, 'a'))).json.status).toBe('accepted');
	});
});

describe('Ingest Webhook Trigger filters', () => {
	let rig: WebhookRig | undefined;
	afterEach(async () => rig?.close());

	it('only default branch: a push to a feature branch is ignored, to main accepted', async () => {
		rig = await serveWebhook(new IngestWebhookTrigger(), { onlyDefaultBranch: true }, creds);
		const feature = pushPayload({ ref: 'refs/heads/feature/x' });
		const main = pushPayload();
		const ignored = await post(rig.url, feature, githubHeaders(feature, 'f-1'));
		const accepted = await post(rig.url, main, githubHeaders(main, 'f-2'));
		expect(ignored.status).toBe(202);
		expect(ignored.json.reason).toBe('branch "feature/x" is not the default branch "main"');
		expect(accepted.status).toBe(200);
		expect(rig.executions).toHaveLength(1);
	});

	it('branch globs: release/* matches release/1.2 but not main; tag pushes name no branch', async () => {
		rig = await serveWebhook(new IngestWebhookTrigger(), { branches: 'release/*' }, creds);
		const rel = pushPayload({ ref: 'refs/heads/release/1.2' });
		const main = pushPayload();
		const tag = pushPayload({ ref: 'refs/tags/v1' });
		expect((await post(rig.url, rel, githubHeaders(rel, 'b-1'))).status).toBe(200);
		expect((await post(rig.url, main, githubHeaders(main, 'b-2'))).status).toBe(202);
		expect((await post(rig.url, tag, githubHeaders(tag, 'b-3'))).json.reason).toBe('the delivery names no branch (ref)');
		expect(rig.executions).toHaveLength(1);
	});

	it('changed paths: only pushes touching docs/** start a run', async () => {
		rig = await serveWebhook(new IngestWebhookTrigger(), { paths: 'docs/**' }, creds);
		const docs = pushPayload();
		const code = pushPayload({
			commits: [{ added: [], modified: ['src/index.ts'], removed: [] }],
			head_commit: { added: [], modified: ['src/index.ts'], removed: [] },
		});
		expect((await post(rig.url, docs, githubHeaders(docs, 'p-1'))).status).toBe(200);
		const res = await post(rig.url, code, githubHeaders(code, 'p-2'));
		expect(res.status).toBe(202);
		expect(res.json.reason).toBe('none of the 1 changed path(s) matches: docs/**');
		expect(rig.executions).toHaveLength(1);
	});

	it('events "*" accepts any event', async () => {
		rig = await serveWebhook(new IngestWebhookTrigger(), { events: '*' }, creds);
		const body = JSON.stringify({ action: 'published' });
		expect((await post(rig.url, body, githubHeaders(body, 'e-1', 'release'))).status).toBe(200);
	});

	it.each([
		['*.md', 'docs/a/b.md', true],
		['*.md', 'b.mdx', false],
		['docs/**', 'docs/a/b/c.txt', true],
		['docs/*', 'docs/a/b.txt', false],
		['docs/', 'docs/x.txt', true],
		['**/api/*.yaml', 'api/v1.yaml', true],
	])('glob %s vs %s → %s', (glob, path, expected) => {
		expect(globToRegExp(glob).test(path)).toBe(expected);
	});
});

describe('Ingest Webhook Trigger (generic mode)', () => {
	let rig: WebhookRig;
	const params = {
		signatureMode: 'generic',
		signatureHeader: 'X-Ragops-Signature',
		signaturePrefix: '',
		signatureEncoding: 'base64',
		deliveryIdHeader: 'X-Request-Id',
		eventHeader: 'X-Kind',
		events: 'reindex',
	};
	beforeEach(async () => {
		rig = await serveWebhook(new IngestWebhookTrigger(), params, creds);
	});
	afterEach(async () => rig.close());

	it('verifies a base64 digest in a custom header and uses the custom delivery id', async () => {
		const body = JSON.stringify({ source: 'handbook' });
		const sig = signPayload(SECRET, body, '', 'base64');
		const ok = await post(rig.url, body, { 'X-Ragops-Signature': sig, 'X-Request-Id': 'r-1', 'X-Kind': 'reindex' });
		const bad = await post(rig.url, body, { 'X-Ragops-Signature': signPayload('x', body, '', 'base64'), 'X-Kind': 'reindex' });
		expect(ok).toEqual({ status: 200, json: { status: 'accepted', deliveryId: 'r-1' } });
		expect(bad.status).toBe(401);
		expect(rig.executions).toHaveLength(1);
	});

	it('without a delivery id header, the same body twice is a replay (body hash)', async () => {
		const body = JSON.stringify({ source: 'handbook', at: 1 });
		const headers = { 'X-Ragops-Signature': signPayload(SECRET, body, '', 'base64'), 'X-Kind': 'reindex' };
		const first = await post(rig.url, body, headers);
		const second = await post(rig.url, body, headers);
		expect(first.status).toBe(200);
		expect(String(first.json.deliveryId)).toMatch(/^sha256:[0-9a-f]{64}$/);
		expect(second.json.status).toBe('duplicate');
		expect(rig.executions).toHaveLength(1);
	});
});

describe('webhook secret credential test', () => {
	const test = new IngestWebhookTrigger().methods.credentialTest.webhookSecretTest;
	it.each([
		['', 'Error'],
		[' padded-secret-value ', 'Error'],
		['short', 'Error'],
		["It's a Secret to Everybody", 'OK'],
	])('secret %p → %s', async (secret, status) => {
		const result = await test.call({} as never, { id: '1', name: 'x', type: 'ragOpsWebhookSecretApi', data: { secret } });
		expect(result.status).toBe(status);
	});
});
