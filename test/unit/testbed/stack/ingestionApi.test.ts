/**
 * The example ingestion service (testbed/stack/ingestionApi.ts) honours
 * Idempotency-Key as docs/nodes/rag-ingestion.md says a user's API must:
 * one run per key however many identical starts arrive at once (also from a
 * second process on the same SQLite file), the same run back for a replay,
 * keys kept across a restart, 422 for a key reused with another body, 409 for
 * another key while the source runs, 400 for malformed starts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { startIngestionApi, type IngestionApi } from '../../../../testbed/stack/ingestionApi';
import { freePort, startProcess } from '../../../../testbed/processes';

interface Answer {
	status: number;
	replayed: string | null;
	body: { run_id?: string; status?: string; error?: string };
}

async function start(url: string, key: string | undefined, body: Record<string, unknown> = {}): Promise<Answer> {
	const res = await fetch(`${url}/runs`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
		body: JSON.stringify({ source: 'docs', mode: 'incremental', metadata: { trigger: 'test' }, ...(key ? { idempotency_key: key } : {}), ...body }),
	});
	return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: (await res.json()) as Answer['body'] };
}

async function pollUntilDone(url: string, runId: string): Promise<string> {
	let status = 'running';
	for (let i = 0; i < 10 && status === 'running'; i++) status = ((await (await fetch(`${url}/runs/${runId}`)).json()) as { status: string }).status;
	return status;
}

let dir: string;
beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), 'ragops-ingestion-db-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('example ingestion service: Idempotency-Key', () => {
	let api: IngestionApi;
	beforeEach(async () => {
		api = await startIngestionApi({ dataPath: join(dir, 'runs.db') });
	});
	afterEach(async () => api.stop());

	test('20 concurrent identical starts create exactly one run; every answer names it, 19 flagged as replays', async () => {
		const answers = await Promise.all(Array.from({ length: 20 }, () => start(api.url, 'acme/handbook@c0ffee')));
		expect(api.runs).toHaveLength(1);
		const runId = api.runs[0]!.run_id;
		expect(answers.every((a) => a.status === 202 && a.body.run_id === runId)).toBe(true);
		expect(answers.filter((a) => a.replayed === 'true')).toHaveLength(19);
		expect(api.starts).toHaveLength(1);
		expect(api.replays).toHaveLength(19);
	});

	test('a replay after the run finished answers with the same run, in its current state, flagged Idempotent-Replayed', async () => {
		const first = await start(api.url, 'k-1');
		expect(first).toMatchObject({ status: 202, replayed: null, body: { status: 'running' } });
		expect(await pollUntilDone(api.url, first.body.run_id!)).toBe('succeeded');
		const again = await start(api.url, 'k-1');
		expect(again).toMatchObject({ status: 202, replayed: 'true', body: { run_id: first.body.run_id, status: 'succeeded' } });
		expect(api.runs).toHaveLength(1);
	});

	test('the same key with a different body is refused with 422 naming the run; no second run', async () => {
		const first = await start(api.url, 'k-2');
		const other = await start(api.url, 'k-2', { mode: 'full' });
		expect(other).toMatchObject({ status: 422, body: { run_id: first.body.run_id, error: 'this Idempotency-Key was already used with a different request body' } });
		// Key order does not make a body different.
		const reordered = await fetch(`${api.url}/runs`, {
			method: 'POST',
			headers: { 'Idempotency-Key': 'k-2' },
			body: JSON.stringify({ idempotency_key: 'k-2', metadata: { trigger: 'test' }, mode: 'incremental', source: 'docs' }),
		});
		expect(reordered.status).toBe(202);
		expect(api.runs).toHaveLength(1);
		expect(api.mismatches).toHaveLength(1);
	});

	test('another key while the source runs gets 409 with the running run, and is not recorded: it starts once that run ends', async () => {
		api.behave('docs', { outcome: 'hang' });
		const first = await start(api.url, 'k-3');
		const busy = await start(api.url, 'k-4');
		expect(busy).toMatchObject({ status: 409, body: { run_id: first.body.run_id } });
		api.finish('docs');
		const later = await start(api.url, 'k-4');
		expect(later).toMatchObject({ status: 202, replayed: null });
		expect(api.runs.map((r) => r.idempotency_key)).toEqual(['k-3', 'k-4']);
	});

	test('malformed starts get 400 and create nothing', async () => {
		const post = (body: string, headers: Record<string, string> = {}) => fetch(`${api.url}/runs`, { method: 'POST', headers, body });
		expect((await post('{not json')).status).toBe(400);
		expect((await post('{"mode":"full"}')).status).toBe(400);
		expect((await post('{"source":"docs","idempotency_key":"a"}', { 'Idempotency-Key': 'b' })).status).toBe(400);
		expect(api.runs).toHaveLength(0);
	});
});

test('a restarted service on the same database file still knows the key (and numbers runs on)', async () => {
	const dataPath = join(dir, 'runs.db');
	const before = await startIngestionApi({ dataPath });
	const first = await start(before.url, 'acme/handbook@c0ffee');
	expect(await pollUntilDone(before.url, first.body.run_id!)).toBe('succeeded');
	await before.stop();

	const after = await startIngestionApi({ dataPath });
	try {
		const again = await start(after.url, 'acme/handbook@c0ffee');
		expect(again).toMatchObject({ status: 202, replayed: 'true', body: { run_id: first.body.run_id, status: 'succeeded' } });
		const next = await start(after.url, 'acme/handbook@d00d');
		expect(next.body.run_id).not.toBe(first.body.run_id);
		expect(after.runs.map((r) => r.idempotency_key)).toEqual(['acme/handbook@c0ffee', 'acme/handbook@d00d']);
	} finally {
		await after.stop();
	}
});

test('two service processes on one database file: 20 concurrent identical starts split across them create one run', async () => {
	const dataPath = join(dir, 'runs.db');
	const here = await startIngestionApi({ dataPath });
	const port = await freePort();
	const there = await startProcess({
		name: 'ingestion-api-2',
		bin: process.execPath,
		args: ['--import', 'tsx', resolve(__dirname, '../../../../testbed/stack/ingestionApiProcess.ts'), dataPath, String(port)],
		url: `http://127.0.0.1:${port}`,
		logFile: join(dir, 'second.log'),
		readyPath: '/healthz',
	});
	try {
		const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => start(i % 2 ? there.url : here.url, 'shared-key')));
		expect(here.runs).toHaveLength(1);
		const runId = here.runs[0]!.run_id;
		// Each answer names the one run, or is a 409 from the other process seeing it in flight.
		expect(answers.filter((a) => !(a.status === 202 && a.body.run_id === runId))).toEqual([]);
		expect(answers.filter((a) => a.replayed !== 'true')).toHaveLength(1);
	} finally {
		await there.stop();
		await here.stop();
	}
});
