/**
 * `npm run check:idempotency` (scripts/check-idempotency.ts), the conformance
 * check users run against their own ingestion API: it passes against the
 * example service, and reports FAIL per broken rule against a server that
 * starts a new run for every request (no Idempotency-Key support at all) and
 * one that dedupes but never answers 422.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

import { startIngestionApi } from '../../../testbed/stack/ingestionApi';
import { checkIdempotency } from '../../../scripts/check-idempotency';

/** Answers every POST /runs with a fresh run, like an API that ignores the key; with `dedupe`, keyed but without 422 or replay flag. */
async function naiveServer(dedupe: boolean): Promise<{ url: string; runs: () => number; stop(): Promise<void> }> {
	let counter = 0;
	const byKey = new Map<string, string>();
	const server: Server = createServer((req, res) => {
		req.resume();
		req.on('end', () => {
			const key = String(req.headers['idempotency-key'] ?? '');
			let id = dedupe ? byKey.get(key) : undefined;
			if (!id) {
				id = `r${++counter}`;
				byKey.set(key, id);
			}
			res.writeHead(201, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ run_id: id, status: 'running' }));
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		runs: () => counter,
		stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
	};
}

test('every rule passes against the example ingestion service, which then holds exactly one run', async () => {
	const api = await startIngestionApi();
	try {
		const results = await checkIdempotency({ url: api.url, startPath: '/runs' });
		expect(results.map((r) => r.verdict)).toEqual(['PASS', 'PASS', 'PASS', 'PASS']);
		expect(results[0]!.seen).toBe('1× 202 run-1, 19× 202 run-1 replayed; 1 distinct run id(s) in 2xx answers');
		expect(results[2]!.seen).toBe('1× 422 run-1');
		expect(api.runs).toHaveLength(1);
	} finally {
		await api.stop();
	}
});

test('a server that starts a run per request fails the burst, the replay and the 422 rule, saying what it saw', async () => {
	const server = await naiveServer(false);
	try {
		const results = await checkIdempotency({ url: server.url, startPath: 'runs' });
		expect(results.map((r) => r.verdict)).toEqual(['FAIL', 'FAIL', 'FAIL', 'WARN']);
		expect(results[0]!.seen).toMatch(/20 distinct run id\(s\) in 2xx answers$/);
		expect(results[1]!.seen).toBe('1× 201 r21 (first run: r1)');
		expect(results[2]!.seen).toBe('1× 201 r22');
		expect(server.runs()).toBe(22);
	} finally {
		await server.stop();
	}
});

test('a server that dedupes keys but accepts any body under a known key fails only the 422 rule', async () => {
	const server = await naiveServer(true);
	try {
		const results = await checkIdempotency({ url: server.url });
		expect(results.map((r) => [r.verdict, r.seen])).toEqual([
			['PASS', '20× 201 r1; 1 distinct run id(s) in 2xx answers'],
			['PASS', '1× 201 r1 (first run: r1)'],
			['FAIL', '1× 201 r1'],
			['WARN', expect.stringContaining('header absent')],
		]);
	} finally {
		await server.stop();
	}
});

test('the CLI prints PASS/FAIL lines and exits 1 when a rule fails', async () => {
	const server = await naiveServer(false);
	try {
		const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((done) => {
			const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '../../../scripts/check-idempotency.ts'), '--url', server.url, '--start-path', '/runs', '--concurrency', '5'], {
				stdio: ['ignore', 'pipe', 'inherit'],
			});
			let out = '';
			child.stdout.on('data', (c: Buffer) => (out += c.toString()));
			child.on('exit', (c) => done({ code: c, stdout: out }));
		});
		expect(code).toBe(1);
		expect(stdout).toContain('FAIL  5 concurrent identical starts create one run');
		expect(stdout).toContain('idempotency check failed: 3 rule(s)');
	} finally {
		await server.stop();
	}
});
