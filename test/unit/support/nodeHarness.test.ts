import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
	NodeApiError,
	NodeConnectionTypes,
	type ICredentialType,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type JsonObject,
} from 'n8n-workflow';

import { runNode } from '../../support/nodeHarness';

/** Test-only node: GETs `url` with the chosen credential, counts runs in static data, routes items to two outputs. */
class HarnessProbe implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Harness Probe',
		name: 'harnessProbe',
		group: ['transform'],
		version: 1,
		description: 'Test node for the harness',
		defaults: { name: 'Harness Probe' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Even', 'Odd'],
		credentials: [
			{ name: 'ragOpsPushgatewayApi', required: true, displayOptions: { show: { auth: ['pushgateway'] } } },
			{ name: 'harnessTokenApi', required: true, displayOptions: { show: { auth: ['token'] } } },
		],
		properties: [
			{ displayName: 'URL', name: 'url', type: 'string', default: '' },
			{
				displayName: 'Auth',
				name: 'auth',
				type: 'options',
				options: [
					{ name: 'Pushgateway', value: 'pushgateway' },
					{ name: 'Token', value: 'token' },
					{ name: 'None', value: 'none' },
				],
				default: 'pushgateway',
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const state = this.getWorkflowStaticData('node');
		state.runs = ((state.runs as number | undefined) ?? 0) + 1;
		const even: INodeExecutionData[] = [];
		const odd: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			const url = this.getNodeParameter('url', i) as string;
			const auth = this.getNodeParameter('auth', i) as string;
			const credType = auth === 'token' ? 'harnessTokenApi' : 'ragOpsPushgatewayApi';
			const request = { url: `${url}?i=${i}`, json: true, timeout: 2000 };
			try {
				const body = (
					auth === 'none'
						? await this.helpers.httpRequest(request)
						: await this.helpers.httpRequestWithAuthentication.call(this, credType, request)
				) as IDataObject;
				(i % 2 === 0 ? even : odd).push({
					json: { i, body, runs: state.runs, mode: this.getMode() },
					pairedItem: { item: i },
				});
			} catch (error) {
				if (this.continueOnFail()) {
					even.push({ json: { error: (error as Error).message }, pairedItem: { item: i } });
					continue;
				}
				throw new NodeApiError(this.getNode(), error as JsonObject, { itemIndex: i });
			}
		}
		return [even, odd];
	}
}

/** Test-only credential in n8n's generic form, to prove the harness resolves `={{$credentials.…}}`. */
const tokenCredential: ICredentialType = {
	name: 'harnessTokenApi',
	displayName: 'Harness Token API',
	properties: [{ displayName: 'Token', name: 'token', type: 'string', default: '' }],
	authenticate: { type: 'generic', properties: { headers: { 'X-Api-Key': '={{$credentials.token}}' } } },
};

interface Seen {
	url: string;
	headers: IncomingHttpHeaders;
}

let server: Server;
let base: string;
const seen: Seen[] = [];

beforeAll(async () => {
	server = createServer((req, res) => {
		seen.push({ url: req.url ?? '', headers: req.headers });
		if (req.url?.startsWith('/fail')) {
			res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
			return;
		}
		res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path: req.url }));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
	seen.length = 0;
});

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('nodeHarness.runNode', () => {
	it('runs the node in WorkflowExecute: real HTTP with the credential, two outputs, pairedItem', async () => {
		const run = await runNode({
			node: new HarnessProbe(),
			parameters: { url: `${base}/ok`, auth: 'pushgateway' },
			inputItems: [{ json: { a: 0 } }, { json: { a: 1 } }, { json: { a: 2 } }],
			credentials: { ragOpsPushgatewayApi: { url: base, username: 'ops', password: 's3cret' } },
		});
		expect(run.error).toBeUndefined();
		expect(run.outputs).toHaveLength(2);
		expect(run.outputs[0].map((x) => x.json.i)).toEqual([0, 2]);
		expect(run.outputs[1].map((x) => x.json.i)).toEqual([1]);
		expect(run.outputs[0][1].pairedItem).toEqual({ item: 2 });
		expect(run.outputs[1][0].pairedItem).toEqual({ item: 1 });
		expect(run.outputs[0][0].json.body).toEqual({ ok: true, path: '/ok?i=0' });
		expect(seen.map((s) => s.url).sort()).toEqual(['/ok?i=0', '/ok?i=1', '/ok?i=2']);
		for (const s of seen) expect(s.headers.authorization).toBe(basic('ops', 's3cret'));
	});

	it('resolves per-item expressions in parameters and offers plain httpRequest', async () => {
		const run = await runNode({
			node: new HarnessProbe(),
			parameters: { url: `={{ "${base}/item/" + $json.name }}`, auth: 'none' },
			inputItems: [{ json: { name: 'alpha' } }, { json: { name: 'beta' } }],
		});
		expect(run.error).toBeUndefined();
		expect(seen.map((s) => s.url).sort()).toEqual(['/item/alpha?i=0', '/item/beta?i=1']);
		expect(seen[0].headers.authorization).toBeUndefined();
		expect(run.outputs[0][0].json.mode).toBe('trigger');
	});

	it('sends no Authorization header when the Pushgateway credential has no username', async () => {
		await runNode({
			node: new HarnessProbe(),
			parameters: { url: `${base}/ok`, auth: 'pushgateway' },
			credentials: { ragOpsPushgatewayApi: { url: base, username: '', password: '' } },
		});
		expect(seen).toHaveLength(1);
		expect(seen[0].headers.authorization).toBeUndefined();
	});

	it("documents why the Pushgateway credential is not generic: n8n's generic auth sends empty basic auth", async () => {
		const genericBasic: ICredentialType = {
			...tokenCredential,
			authenticate: {
				type: 'generic',
				properties: { auth: { username: '={{$credentials.token}}', password: '={{$credentials.token}}' } },
			},
		};
		await runNode({
			node: new HarnessProbe(),
			parameters: { url: `${base}/ok`, auth: 'token' },
			credentials: { harnessTokenApi: { token: '' } },
			credentialTypes: [genericBasic],
		});
		expect(seen[0].headers.authorization).toBe(basic('', ''));
	});

	it('resolves a generic credential expression into the request', async () => {
		const run = await runNode({
			node: new HarnessProbe(),
			parameters: { url: `${base}/ok`, auth: 'token' },
			credentials: { harnessTokenApi: { token: 'tok-123' } },
			credentialTypes: [tokenCredential],
		});
		expect(run.error).toBeUndefined();
		expect(seen[0].headers['x-api-key']).toBe('tok-123');
	});

	it('carries node static data across runs in trigger mode (same object) and not in manual mode', async () => {
		const staticData: IDataObject = {};
		const params = { url: `${base}/ok`, auth: 'pushgateway' };
		const credentials = { ragOpsPushgatewayApi: { url: base } };
		const first = await runNode({ node: new HarnessProbe(), parameters: params, credentials, staticData });
		expect(first.outputs[0][0].json.runs).toBe(1);
		expect(first.staticData).toBe(staticData);
		expect(staticData).toEqual({ 'node:Harness Probe': { runs: 1 } });
		const second = await runNode({ node: new HarnessProbe(), parameters: params, credentials, staticData });
		expect(second.outputs[0][0].json.runs).toBe(2);
		expect(staticData).toEqual({ 'node:Harness Probe': { runs: 2 } });

		const manual = await runNode({
			node: new HarnessProbe(),
			parameters: params,
			credentials,
			staticData,
			mode: 'manual',
		});
		expect(manual.outputs[0][0].json.runs).toBe(3);
		expect(manual.outputs[0][0].json.mode).toBe('manual');
		expect(staticData).toEqual({ 'node:Harness Probe': { runs: 2 } });
	});

	it('reports the node error when continueOnFail is off', async () => {
		const run = await runNode({
			node: new HarnessProbe(),
			parameters: { url: `${base}/fail`, auth: 'pushgateway' },
			credentials: { ragOpsPushgatewayApi: { url: base } },
		});
		expect(run.error?.message).toMatch(/not able to process your request/);
		expect(run.error?.httpCode).toBe('500');
		expect(run.outputs.flat()).toHaveLength(0);
		expect(seen.map((s) => s.url)).toEqual(['/fail?i=0']);
	});

	it('returns the error as an item when continueOnFail is on', async () => {
		const run = await runNode({
			node: new HarnessProbe(),
			parameters: { url: `${base}/fail`, auth: 'pushgateway' },
			credentials: { ragOpsPushgatewayApi: { url: base } },
			continueOnFail: true,
		});
		expect(run.error).toBeUndefined();
		expect(run.outputs[0]).toHaveLength(1);
		// n8n-core's own wording for an HTTP 500 from httpRequestWithAuthentication.
		expect(run.outputs[0][0].json.error).toMatch(/not able to process your request/);
		expect(run.outputs[0][0].pairedItem).toEqual({ item: 0 });
	});

	it('fails clearly when the node asks for credentials the test did not give', async () => {
		const run = await runNode({
			node: new HarnessProbe(),
			parameters: { url: `${base}/ok`, auth: 'pushgateway' },
		});
		expect(run.error?.message).toMatch(/credentials/i);
		expect(seen).toHaveLength(0);
	});
});
