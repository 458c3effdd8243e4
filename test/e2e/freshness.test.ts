/**
 * The RAG Freshness Check inside real n8n 2.40 (packed and installed as a
 * community package by the test bed), run with `n8n execute`: a fresh
 * manifest whose config matches the backend goes to Fresh, a three-hour-old
 * one to Stale (fail), a truncated one to Stale with the JSON problem named.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { N8nTestBed } from '../../testbed/n8n/testbed';

jest.setTimeout(600_000);

let bed: N8nTestBed;
let server: Server;
let base: string;

function manifest(ageHours: number): Record<string, unknown> {
	return {
		schema_version: 3,
		generated_at: new Date(Date.now() - ageHours * 3_600_000).toISOString(),
		run_id: `run-${ageHours}`,
		config_hash: 'sha256:abc',
		document_count: 12,
		chunk_count: 345,
	};
}

beforeAll(async () => {
	const routes: Record<string, string> = {
		'/fresh.json': JSON.stringify(manifest(0.5)),
		'/stale.json': JSON.stringify(manifest(3)),
		'/broken.json': JSON.stringify(manifest(0.5)).slice(0, 40),
		'/healthz': JSON.stringify({ status: 'pass', index: { config_hash: 'sha256:abc', schema_version: 3 } }),
	};
	server = createServer((req, res) => {
		const body = routes[req.url ?? ''];
		res.statusCode = body === undefined ? 404 : 200;
		res.setHeader('content-type', 'application/json');
		res.end(body ?? '{}');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	bed = await N8nTestBed.create();
});

afterAll(async () => {
	await bed?.dispose();
	await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

test('Freshness Check in real n8n routes fresh, stale and broken manifests with their reasons', async () => {
	const text = readFileSync(join(__dirname, 'fixtures', 'freshness-check.json'), 'utf8').replaceAll('__BASE__', base);
	const run = await bed.run(JSON.parse(text));
	expect(run.error).toBeUndefined();

	const [fresh, freshStale] = run.outputs('Check Fresh Manifest');
	expect(freshStale).toHaveLength(0);
	expect(fresh[0].json).toMatchObject({ manifestName: 'handbook', status: 'pass', reasons: [] });
	expect((fresh[0].json.checks as Array<{ name: string }>).map((c) => c.name)).toEqual(['age', 'chunks', 'configHash', 'schemaVersion']);
	// `n8n execute` runs in "cli" mode, whose static data n8n does save: no manual-run notice.
	expect(fresh[0].json.notice).toBeUndefined();

	const [staleFresh, stale] = run.outputs('Check Stale Manifest');
	expect(staleFresh).toHaveLength(0);
	expect(stale[0].json.status).toBe('fail');
	expect(stale[0].json.reasons).toEqual(['age: generated 3.0 h ago, past the error limit of 2.0 h']);

	const broken = run.outputs('Check Broken Manifest')[1];
	expect(broken[0].json.status).toBe('fail');
	expect(String((broken[0].json.reasons as string[])[0])).toContain('invalid manifest: $: the manifest is not valid JSON');
});
