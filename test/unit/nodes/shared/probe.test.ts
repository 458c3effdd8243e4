import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { classifyError, isRetryableResult, probe } from '../../../../nodes/shared/probe';
import { closedPort, startGarbageTcpServer, startHealthServer, type HealthServer } from '../../../../testbed/faults/healthServers';
import { n8nHttpRequest } from '../../../support/n8nHttp';

describe('probe (n8n HTTP client, real servers on 127.0.0.1)', () => {
	let server: HealthServer;
	beforeAll(async () => {
		server = await startHealthServer();
	});
	afterAll(async () => {
		await server.stop();
	});

	const run = async (path: string, timeoutMs = 10000, maxBodyBytes = 64 * 1024) =>
		await probe(n8nHttpRequest, { url: server.url(path), timeoutMs, maxBodyBytes });

	test('a healthy IETF endpoint returns status, headers and the full body', async () => {
		const result = await run('/health');
		expect(result.error).toBeUndefined();
		expect(result.response?.statusCode).toBe(200);
		expect(result.response?.headers['content-type']).toBe('application/health+json');
		expect(JSON.parse(result.response!.body).status).toBe('pass');
		expect(result.response?.truncated).toBe(false);
	});

	test('a 503 is an answer, not an error, and is retryable', async () => {
		const result = await run('/status?code=503');
		expect(result.error).toBeUndefined();
		expect(result.response?.statusCode).toBe(503);
		expect(isRetryableResult(result)).toBe(true);
	});

	test('a 404 is an answer and not retryable', async () => {
		const result = await run('/status?code=404');
		expect(result.response?.statusCode).toBe(404);
		expect(isRetryableResult(result)).toBe(false);
	});

	test('a server that never answers ends in a retryable timeout', async () => {
		const result = await run('/hang', 300);
		expect(result.response).toBeUndefined();
		expect(result.error).toMatchObject({ code: 'timeout', retryable: true });
	});

	test('a server trickling garbage forever is cut off at the deadline', async () => {
		// axios' own timeout is a socket-idle timeout that a trickle never trips.
		const result = await run('/trickle', 400);
		expect(result.error).toMatchObject({ code: 'timeout' });
		expect(result.response).toBeUndefined();
	});

	test('concurrent probes with different timeouts each end at their own deadline (one shared timer)', async () => {
		// Started together, the shortest deadline comes last: the shared timer must re-arm for it.
		// A trickle keeps the socket busy, so only the probe's own deadline can end these.
		const timeouts = [600, 350, 150];
		const results = await Promise.all(timeouts.map((t) => run('/trickle', t)));
		results.forEach((result, i) => {
			expect(result.error).toMatchObject({ code: 'timeout', retryable: true });
			expect(result.durationMs).toBeGreaterThanOrEqual(timeouts[i] - 5);
			expect(result.durationMs).toBeLessThan(timeouts[i] + 250);
		});
		// The clock still works after every deadline has been settled.
		expect((await run('/health', 1000)).response?.statusCode).toBe(200);
		expect((await run('/trickle', 100)).error?.code).toBe('timeout');
	});

	test('a body cut off mid-way is a retryable connection reset, not a short answer', async () => {
		const cut = createServer((_req, res) => {
			res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
			res.write('{"status":');
			setTimeout(() => res.socket?.destroy(), 20);
		});
		await new Promise<void>((resolve) => cut.listen(0, '127.0.0.1', resolve));
		try {
			const { port } = cut.address() as AddressInfo;
			const result = await probe(n8nHttpRequest, { url: `http://127.0.0.1:${port}/health`, timeoutMs: 5000, maxBodyBytes: 64 * 1024 });
			expect(result.response).toBeUndefined();
			expect(result.error).toMatchObject({ code: 'connection_reset', retryable: true });
		} finally {
			await new Promise((resolve) => cut.close(resolve));
		}
	});

	test('a slower answer than the timeout is a timeout', async () => {
		const result = await run('/slow?ms=1500', 200);
		expect(result.error?.code).toBe('timeout');
	});

	test('a huge body is capped: only maxBodyBytes are kept and the download stops', async () => {
		const result = await run('/huge?bytes=52428800', 10000, 1000);
		expect(result.error).toBeUndefined();
		expect(result.response?.truncated).toBe(true);
		expect(result.response?.body.length).toBe(1000);
		expect(result.response!.bodyBytes).toBeLessThan(1024 * 1024);
	});

	test('malformed JSON is returned as text (classification happens later)', async () => {
		const result = await run('/malformed');
		expect(result.response?.statusCode).toBe(200);
		expect(result.response?.body).toBe('{"status": "pass", "checks": {');
	});

	test('connection refused is classified and retryable', async () => {
		const port = await closedPort();
		const result = await probe(n8nHttpRequest, { url: `http://127.0.0.1:${port}/health`, timeoutMs: 10000, maxBodyBytes: 1000 });
		expect(result.error).toMatchObject({ code: 'connection_refused', retryable: true });
	});

	test('a server speaking garbage instead of HTTP is an invalid response, not retryable', async () => {
		const garbage = await startGarbageTcpServer();
		try {
			const result = await probe(n8nHttpRequest, { url: garbage.url('/health'), timeoutMs: 10000, maxBodyBytes: 1000 });
			expect(result.response).toBeUndefined();
			expect(result.error?.retryable).toBe(false);
			expect(['invalid_response', 'connection_reset']).toContain(result.error?.code);
		} finally {
			await garbage.stop();
		}
	});

	test('an invalid URL is reported, not thrown', async () => {
		const result = await probe(n8nHttpRequest, { url: 'not a url', timeoutMs: 1000, maxBodyBytes: 1000 });
		expect(result.error?.retryable).toBe(false);
	});

	test('an aborted outer signal cancels the probe', async () => {
		const controller = new AbortController();
		controller.abort();
		const result = await probe(n8nHttpRequest, { url: server.url('/hang'), timeoutMs: 5000, maxBodyBytes: 1000, signal: controller.signal });
		expect(result.error).toMatchObject({ code: 'cancelled', retryable: false });
	});

	test('a request function that throws synchronously is reported, not thrown', async () => {
		const result = await probe(
			() => {
				throw Object.assign(new Error('boom'), { code: 'ECONNRESET' });
			},
			{ url: server.url('/health'), timeoutMs: 1000, maxBodyBytes: 1000 },
		);
		expect(result.error).toMatchObject({ code: 'connection_reset', retryable: true });
	});

	test('a request function that ignores the abort signal still cannot stall the probe', async () => {
		const result = await probe(() => new Promise(() => undefined), { url: server.url('/health'), timeoutMs: 200, maxBodyBytes: 1000 });
		expect(result.error?.code).toBe('timeout');
	});
});

describe('classifyError', () => {
	test.each([
		['ECONNREFUSED', 'connection_refused', true],
		['ECONNRESET', 'connection_reset', true],
		['ECONNABORTED', 'timeout', true],
		['ENOTFOUND', 'dns', false],
		['EAI_AGAIN', 'dns', true],
		['HPE_INVALID_CONSTANT', 'invalid_response', false],
		['CERT_HAS_EXPIRED', 'tls', false],
		['SOMETHING_ELSE', 'unknown', false],
	])('%s → %s (retryable %s)', (code, expected, retryable) => {
		expect(classifyError(Object.assign(new Error('x'), { code }))).toMatchObject({ code: expected, retryable });
	});

	test('finds the code on a wrapped cause (n8n wraps axios errors)', () => {
		const wrapped = new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'ECONNREFUSED' }) });
		expect(classifyError(wrapped).code).toBe('connection_refused');
	});
});
