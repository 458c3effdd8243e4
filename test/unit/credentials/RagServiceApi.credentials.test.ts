/**
 * The RAG Service API credential: its `authenticate` (each scheme sends only
 * its own header) and its `test` request, sent the way n8n's credential test
 * sends it (expression resolved from the credential, authenticate applied,
 * 2xx = OK) with n8n's real HTTP client against a protected local endpoint.
 */
import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';

import { RagServiceApi } from '../../../credentials/RagServiceApi.credentials';
import { startHealthServer, type HealthServer } from '../../../testbed/faults/healthServers';
import { n8nHttpRequest } from '../../support/n8nHttp';

const cred = new RagServiceApi();

let server: HealthServer;
beforeAll(async () => {
	server = await startHealthServer();
});
afterAll(async () => {
	await server.stop();
});

/** Resolve `={{$credentials.x}}` the way n8n does for this simple form. */
function resolve(value: unknown, credentials: ICredentialDataDecryptedObject): unknown {
	if (typeof value !== 'string') return value;
	const m = /^=\{\{\s*\$credentials\.(\w+)\s*\}\}$/.exec(value);
	return m ? credentials[m[1]] : value;
}

async function runCredentialTest(credentials: ICredentialDataDecryptedObject): Promise<number> {
	const request = cred.test.request as unknown as Record<string, unknown>;
	const resolved = Object.fromEntries(Object.entries(request).map(([k, v]) => [k, resolve(v, credentials)])) as unknown as IHttpRequestOptions;
	const authed = await cred.authenticate(credentials, { ...resolved, returnFullResponse: true, ignoreHttpStatusErrors: true });
	const response = (await n8nHttpRequest(authed)) as { statusCode: number };
	return response.statusCode;
}

describe('RAG Service API credential', () => {
	test('bearer sends only Authorization: Bearer', async () => {
		const out = await cred.authenticate({ authType: 'bearer', token: 't', apiKey: 'k', headerName: 'api-key' }, { url: 'http://x', headers: { A: '1' } });
		expect(out.headers).toEqual({ A: '1', Authorization: 'Bearer t' });
		expect(out.auth).toBeUndefined();
	});

	test('API key goes into the configured header only', async () => {
		const out = await cred.authenticate({ authType: 'apiKeyHeader', headerName: 'api-key', apiKey: 'k', token: 't' }, { url: 'http://x' });
		expect(out.headers).toEqual({ 'api-key': 'k' });
	});

	test('basic auth uses the HTTP client auth option, no bearer header', async () => {
		const out = await cred.authenticate({ authType: 'basic', user: 'u', password: 'p', token: 't' }, { url: 'http://x' });
		expect(out.auth).toEqual({ username: 'u', password: 'p' });
		expect(out.headers ?? {}).toEqual({});
	});

	test.each([
		[{ authType: 'bearer', token: 'test-token' }, 200],
		[{ authType: 'apiKeyHeader', headerName: 'api-key', apiKey: 'test-key' }, 200],
		[{ authType: 'basic', user: 'ops', password: 's3cret' }, 200],
		[{ authType: 'bearer', token: 'wrong' }, 401],
		[{ authType: 'basic', user: 'ops', password: 'wrong' }, 401],
	])('the test request with %p answers %i', async (data, expected) => {
		expect(await runCredentialTest({ ...data, testUrl: server.url('/secure') })).toBe(expected);
	});

	test('secrets are password fields', () => {
		for (const name of ['token', 'apiKey', 'password']) {
			expect(cred.properties.find((p) => p.name === name)?.typeOptions?.password).toBe(true);
		}
	});
});
