/**
 * The RAG Health Check's Qdrant preset against the Qdrant stand-in, which
 * answers `/readyz`, `/healthz` (no key needed) and `GET /collections/{name}`
 * (key needed) as Qdrant v1.19 does (testbed/stack/qdrantStandIn.ts).
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { RagHealthCheck } from '../../../../nodes/RagHealthCheck/RagHealthCheck.node';
import { qdrantCollectionUrl } from '../../../../nodes/RagHealthCheck/presets';
import { runNode } from '../../../support/nodeHarness';
import { QdrantStandIn } from '../../../../testbed/stack/qdrantStandIn';

const KEY = 'health-key';
let qdrant: QdrantStandIn;

beforeEach(async () => {
	qdrant = new QdrantStandIn({ apiKey: KEY, collections: ['docs'] });
	await qdrant.start();
});
afterEach(async () => {
	await qdrant.stop();
});

function check(target: { url: string; headers?: string }, extra: INodeParameters = {}) {
	return runNode({
		node: new RagHealthCheck(),
		parameters: {
			targetSource: 'list',
			targets: { target: [{ name: 'q', preset: 'qdrant', critical: true, dependsOn: '', collection: 'docs', timeout: 0, headers: JSON.stringify({ 'api-key': KEY }), ...target }] },
			options: { retries: 0, timeout: 5000 },
			...extra,
		},
	});
}
const result = (outputs: INodeExecutionData[][]) => [...(outputs[0] ?? []), ...(outputs[1] ?? [])][0]!.json as IDataObject;

test('a target URL ending /healthz (or /livez) with a collection checks /collections/docs beside it', async () => {
	expect(qdrantCollectionUrl('http://q:6333/healthz', 'docs')).toBe('http://q:6333/collections/docs');
	expect(qdrantCollectionUrl('https://h/qdrant/livez/', 'docs')).toBe('https://h/qdrant/collections/docs');
	const run = await check({ url: `${qdrant.url}/healthz` });
	expect(result(run.outputs)).toMatchObject({ status: 'pass' });
	expect(qdrant.requests.map((r) => r.path)).toEqual(['/healthz', '/collections/docs']);
});

test('yellow while a snapshot is written: warn, with optimizer_status as the reason', async () => {
	qdrant.faults.createDelayMs = 1500;
	const creating = fetch(`${qdrant.url}/collections/docs/snapshots?wait=false`, { method: 'POST', headers: { 'api-key': KEY } });
	expect((await creating).status).toBe(202);
	const run = await check({ url: qdrant.url });
	const r = result(run.outputs);
	expect(r.status).toBe('warn');
	expect(r.message).toBe('collection docs is yellow, 0 points; optimizer_status ok: optimisation running (every snapshot does this)');
});

test('inside a maintenance window (the backup window) that yellow passes', async () => {
	qdrant.faults.createDelayMs = 1500;
	await fetch(`${qdrant.url}/collections/docs/snapshots?wait=false`, { method: 'POST', headers: { 'api-key': KEY } });
	const at = (ms: number) => new Date(Date.now() + ms).toISOString().slice(0, 16);
	const run = await check({ url: qdrant.url }, { maintenance: { window: [{ targets: 'q', timezone: 'UTC', start: at(-3_600_000), end: at(3_600_000), days: [] }] } });
	const r = result(run.outputs);
	expect(r.status).toBe('pass');
	expect(r.components).toEqual([
		expect.objectContaining({ name: 'collection:docs', status: 'pass', reported: 'yellow', output: expect.stringContaining('expected inside the maintenance window') }),
	]);
});

test('red keeps the optimizer error text; a null points_count is said, not "undefined points"', async () => {
	qdrant.collectionState.set('docs', { status: 'red', optimizer_status: { error: 'Service internal error: No space left on device' }, points_count: null });
	const r = result((await check({ url: qdrant.url })).outputs);
	expect(r.status).toBe('fail');
	expect(r.message).toBe('collection docs is red, points count not reported (null); optimizer error: Service internal error: No space left on device');
	expect(String(r.message)).not.toContain('undefined');
});

test('grey (optimisations pending since a restart) warns and says so', async () => {
	qdrant.collectionState.set('docs', { status: 'grey', points_count: 12 });
	const r = result((await check({ url: qdrant.url })).outputs);
	expect(r).toMatchObject({ status: 'warn', message: 'collection docs is grey, 12 points; optimisations pending but not triggered since a restart' });
});

test('no API key: /readyz answers, the collection check reports the 401 as an auth problem, not invalid JSON', async () => {
	const r = result((await check({ url: qdrant.url, headers: '' })).outputs);
	expect(r.status).toBe('fail');
	expect(r.message).toContain('Qdrant refused the request (HTTP 401: Must provide an API key or an Authorization bearer token)');
	expect(String(r.message)).not.toMatch(/JSON/i);
});
