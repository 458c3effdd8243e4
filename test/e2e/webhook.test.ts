/**
 * On a running n8n 2.40 (test bed, package installed from `npm pack`), the
 * published Ingest Webhook Trigger → RAG Ingestion workflow receives a
 * correctly signed GitHub push, a wrongly signed one, one for another branch
 * and a redelivery of the first: exactly one execution and exactly one ingestion run reach the
 * ingestion-API stand-in.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { signPayload } from '../../nodes/IngestWebhookTrigger/hmac';
import { startIngestionApi, type IngestionApi } from '../../testbed/stack/ingestionApi';
import type { N8nServer } from '../../testbed/n8n/server';
import { N8nTestBed } from '../../testbed/n8n/testbed';

jest.setTimeout(600_000);

const SECRET = 'e2e-webhook-secret-0123456789';
let bed: N8nTestBed;
let n8n: N8nServer;
let api: IngestionApi;
let workflowId: string;

beforeAll(async () => {
	api = await startIngestionApi({ defaultBehaviour: { outcome: 'succeed', pollsUntilDone: 2, documents: 3, chunks: 21 } });
	bed = await N8nTestBed.create();
	const [credentialId] = await bed.importCredentials([
		{ name: 'GitHub webhook secret', type: 'ragOpsWebhookSecretApi', data: { secret: SECRET } },
	]);
	const text = readFileSync(join(__dirname, 'fixtures', 'webhook-ingest.json'), 'utf8')
		.replaceAll('__SECRET_CREDENTIAL_ID__', credentialId!)
		.replaceAll('__INGEST_URL__', api.url);
	workflowId = await bed.importWorkflow(JSON.parse(text));
	n8n = await bed.startServer();
	// Activated through the running server's REST API, which reports activation errors.
	await n8n.activateWorkflow(workflowId);
});

afterAll(async () => {
	await bed?.dispose();
	await api?.stop();
});

const payload = JSON.stringify({
	ref: 'refs/heads/main',
	repository: { name: 'handbook', full_name: 'acme/handbook', default_branch: 'main' },
	commits: [{ id: 'c1', added: ['docs/onboarding.md'], modified: [], removed: [] }],
});

async function deliver(delivery: string, signature: string, body = payload): Promise<{ status: number; body: string }> {
	const res = await fetch(n8n.webhookUrl('ragops-ingest'), {
		method: 'POST',
		headers: {
			'content-type': 'application/json',
			'X-GitHub-Event': 'push',
			'X-GitHub-Delivery': delivery,
			'X-Hub-Signature-256': signature,
			'User-Agent': 'GitHub-Hookshot/e2e',
		},
		body,
	});
	return { status: res.status, body: await res.text() };
}

test('signed, wrongly signed and replayed deliveries: exactly one run reaches the ingestion API', async () => {
	const good = await deliver('delivery-1', signPayload(SECRET, payload));
	if (good.status !== 200) throw new Error(`webhook answered ${good.status} ${good.body}\n${n8n.log().slice(-4000)}`);
	expect(JSON.parse(good.body)).toEqual({ status: 'accepted', deliveryId: 'delivery-1' });

	const forged = await deliver('delivery-2', signPayload('not-the-secret', payload));
	expect(forged.status).toBe(401);
	expect(JSON.parse(forged.body)).toMatchObject({ status: 'rejected', reason: 'signature mismatch (X-Hub-Signature-256)' });

	// A correctly signed push to another branch is filtered out: 202, no run.
	const other = payload.replace('refs/heads/main', 'refs/heads/feature/x');
	const ignored = await deliver('delivery-3', signPayload(SECRET, other), other);
	expect(ignored.status).toBe(202);
	expect(JSON.parse(ignored.body)).toMatchObject({ status: 'ignored', reason: 'branch "feature/x" is not the default branch "main"' });

	// The accepted delivery's id is saved with the run's static data when its execution ends.
	const run = await n8n.waitForExecution(workflowId, { count: 1 });
	expect(run.error).toBeUndefined();
	const record = run.json('RAG Ingestion')[0]!;
	expect(record).toMatchObject({ source: 'handbook', status: 'succeeded', idempotencyKey: 'delivery-1', documentsProcessed: 3, chunksWritten: 21 });

	// The replay memory is in the workflow's saved static data, next to the ingestion node's keys.
	// n8n saves static data in a hook after the execution is recorded, so poll for it (bounded) instead of racing it.
	type Saved = { staticData?: Record<string, Record<string, Record<string, number>>> | null };
	let wf: Saved = {};
	for (let attempt = 0; attempt < 60; attempt++) {
		wf = await n8n.rest<Saved>('GET', `/workflows/${workflowId}`);
		// The empty memory exists from activation on: wait for the id itself, not just the field.
		if (wf.staticData?.['node:Ingest Webhook Trigger']?.acceptedDeliveries?.['k:delivery-1']) break;
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	expect(Object.keys(wf.staticData!['node:Ingest Webhook Trigger'].acceptedDeliveries)).toEqual(['k:delivery-1']);
	const replay = await deliver('delivery-1', signPayload(SECRET, payload));
	expect(replay.status).toBe(200);
	expect(JSON.parse(replay.body)).toEqual({ status: 'duplicate', deliveryId: 'delivery-1' });

	const executions = await n8n.listExecutions(workflowId);
	expect(executions).toHaveLength(1);
	expect(api.starts).toHaveLength(1);
	expect(api.starts[0].body).toMatchObject({
		source: 'handbook',
		idempotency_key: 'delivery-1',
		metadata: { delivery: 'delivery-1', paths: ['docs/onboarding.md'] },
	});
});
