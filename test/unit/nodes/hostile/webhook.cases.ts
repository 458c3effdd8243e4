/**
 * Hostile deliveries to the Ingest Webhook Trigger, signed correctly (so they
 * get past the signature and test what comes after), through the rig that
 * parses bodies the way n8n 2.40's webhook server does (testbed/n8n/webhookServer.ts).
 */
import { IngestWebhookTrigger } from '../../../../nodes/IngestWebhookTrigger/IngestWebhookTrigger.node';
import { MAX_DELIVERY_BYTES } from '../../../../nodes/IngestWebhookTrigger/delivery';
import { signPayload } from '../../../../nodes/IngestWebhookTrigger/hmac';
import { post, serveWebhook, type WebhookRig } from '../../../../testbed/n8n/webhookServer';
import type { Tally } from './tally';

const SECRET = 'hostile-webhook-secret-0123456789';
const push = JSON.stringify({
	ref: 'refs/heads/main',
	repository: { full_name: 'acme/docs', default_branch: 'main' },
	commits: [{ id: 'a1', added: ['docs/new.md'], modified: [], removed: [] }],
});

/** [label, body, content type, expected status, reason substring]. */
const REFUSED: Array<[string, string | Buffer, string, number, string]> = [
	['null', 'null', 'application/json', 400, 'is null, not a JSON object'],
	['an empty array', '[]', 'application/json', 400, 'is an array'],
	['an array of pushes', `[${push},${push}]`, 'application/json', 400, 'is an array'],
	['a number', '42', 'application/json', 400, 'is a number'],
	['a string', '"push"', 'application/json', 400, 'is a string'],
	['true', 'true', 'application/json', 400, 'is a boolean'],
	['an empty body', '', 'application/json', 400, 'empty'],
	['null as text/plain', 'null', 'text/plain', 400, 'is null'],
	['not JSON as text/plain', 'ref=main', 'text/plain', 400, 'not valid JSON'],
	['not JSON without a content type', 'hello', 'application/octet-stream', 400, 'not valid JSON'],
	['100 000 deep arrays', '['.repeat(100_000) + ']'.repeat(100_000), 'application/json', 400, 'nested deeper than 64'],
	['a push with a 100 000 deep field', push.replace('{', `{"x":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)},`), 'application/json', 400, 'nested deeper than 64'],
	['a form without payload', 'ref=refs%2Fheads%2Fmain', 'application/x-www-form-urlencoded', 400, '"payload" field'],
	['a form whose payload is null', 'payload=null', 'application/x-www-form-urlencoded', 400, 'is null'],
	['a form whose payload is an array', `payload=${encodeURIComponent('[1]')}`, 'application/x-www-form-urlencoded', 400, 'is an array'],
	['a form whose payload is not JSON', 'payload=%7Bnope', 'application/x-www-form-urlencoded', 400, 'not valid JSON'],
	['a form whose payload is 100 000 deep', `payload=${encodeURIComponent('['.repeat(100_000) + ']'.repeat(100_000))}`, 'application/x-www-form-urlencoded', 400, 'nested deeper'],
	['a form with payload after 1000 other keys', `${Array.from({ length: 1000 }, (_, i) => `k${i}=1`).join('&')}&payload=${encodeURIComponent(push)}`, 'application/x-www-form-urlencoded', 400, '"payload" field'],
	['multipart', '--x\r\nContent-Disposition: form-data; name="payload"\r\n\r\n{}\r\n--x--\r\n', 'multipart/form-data; boundary=x', 415, 'multipart'],
	['a body over the node limit', Buffer.concat([Buffer.from('{"pad":"'), Buffer.alloc(MAX_DELIVERY_BYTES, 0x61), Buffer.from('"}')]), 'application/json', 413, 'bytes; at most'],
];

/** [label, body, content type]: accepted and decoded. */
const ACCEPTED: Array<[string, string, string]> = [
	['GitHub form-encoded push', `payload=${encodeURIComponent(push)}`, 'application/x-www-form-urlencoded'],
	['GitHub form-encoded push with charset', `payload=${encodeURIComponent(push)}`, 'application/x-www-form-urlencoded; charset=utf-8'],
	['JSON with charset', push, 'application/json; charset=utf-8'],
	['JSON as text/plain', push, 'text/plain'],
	['JSON without a known content type', push, 'application/octet-stream'],
	['JSON with a BOM', `\uFEFF${push}`, 'application/json'],
	['a push 60 levels deep in an extra field', push.replace('{', `{"x":${'['.repeat(60)}${']'.repeat(60)},`), 'application/json'],
];

export function webhookCases(tally: Tally): void {
	let rig: WebhookRig;
	beforeEach(async () => {
		rig = await serveWebhook(new IngestWebhookTrigger(), { branches: 'main' }, { ragOpsWebhookSecretApi: { secret: SECRET } });
	});
	afterEach(async () => await rig.close());

	const deliver = async (body: string | Buffer, contentType: string, delivery: string) =>
		await post(rig.url, body, {
			'content-type': contentType,
			'X-GitHub-Event': 'push',
			'X-GitHub-Delivery': delivery,
			'X-Hub-Signature-256': signPayload(SECRET, body),
		});

	test.each(REFUSED)('%s: refused before anything is remembered; the fixed delivery then goes through', async (label, body, type, status, reason) => {
		await tally.run(`webhook ${label}`, async () => {
			const res = await deliver(body, type, `d-${label}`);
			expect(res.status).toBe(status);
			expect(res.json).toMatchObject({ status: 'rejected', reason: expect.stringContaining(reason) });
			expect(JSON.stringify(res.json)).not.toMatch(/\n\s+at |stack/);
			expect(rig.executions).toHaveLength(0);
			// Nothing remembered: the same delivery id with a good body is accepted.
			const fixed = await deliver(push, 'application/json', `d-${label}`);
			expect(fixed.status).toBe(200);
			expect(rig.executions).toHaveLength(1);
		});
	});

	test.each(ACCEPTED)('%s: accepted, decoded, filtered by branch', async (label, body, type) => {
		await tally.run(`webhook ${label}`, async () => {
			const res = await deliver(body, type, `d-${label}`);
			expect(res.status).toBe(200);
			expect(rig.executions).toHaveLength(1);
			const item = rig.executions[0][0][0].json;
			expect(item).toMatchObject({ branch: 'main', changedPaths: ['docs/new.md'] });
			expect((item.body as { repository: { full_name: string } }).repository.full_name).toBe('acme/docs');
		});
	});

	test('an unsigned null body is 401 (the signature is checked first)', async () => {
		await tally.run('webhook unsigned null', async () => {
			const res = await post(rig.url, 'null', { 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': 'u-1' });
			expect(res.status).toBe(401);
		});
	});

	test('a form-encoded delivery signed over the JSON instead of the raw form body is 401', async () => {
		await tally.run('webhook form signed over payload', async () => {
			const res = await post(rig.url, `payload=${encodeURIComponent(push)}`, {
				'content-type': 'application/x-www-form-urlencoded',
				'X-GitHub-Event': 'push',
				'X-GitHub-Delivery': 'f-1',
				'X-Hub-Signature-256': signPayload(SECRET, push),
			});
			expect(res.status).toBe(401);
		});
	});
}
