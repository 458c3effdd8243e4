/**
 * Serves one webhook node on 127.0.0.1 the way n8n's live webhook handler
 * calls it: the raw body is read into `req.rawBody` (a Buffer) and JSON is
 * parsed into `req.body` (n8n's rawBodyReader + parseBody), the node's
 * `webhook()` runs with an express-like response, and:
 *   - `noWebhookResponse: true` → the node answered itself, no execution;
 *   - `workflowData` → an "execution" is recorded and `webhookResponse` sent (responseMode onReceived).
 * Static data behaves like an active workflow's: kept between requests only
 * when an execution ran (n8n saves it in the execution's after-hook).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';

import type { IDataObject, INodeExecutionData, INodeType, IWebhookFunctions } from 'n8n-workflow';

export interface WebhookRig {
	url: string;
	executions: INodeExecutionData[][][];
	staticData: IDataObject;
	close(): Promise<void>;
}

function defaults(node: INodeType): IDataObject {
	const out: IDataObject = {};
	for (const p of node.description.properties) out[p.name] = p.default as IDataObject[string];
	return out;
}

export async function serveWebhook(
	node: INodeType,
	parameters: IDataObject,
	credentials: Record<string, IDataObject>,
): Promise<WebhookRig> {
	const params = { ...defaults(node), ...parameters };
	const executions: INodeExecutionData[][][] = [];
	let staticData: IDataObject = {};
	const server: Server = createServer((req: IncomingMessage, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			void (async () => {
				const rawBody = Buffer.concat(chunks);
				// As n8n 2.40's parseBody (packages/cli/src/middlewares/body-parser.ts) does for a webhook:
				// JSON parsed as is (so `null` stays null), forms split with querystring (maxKeys 1000), text as a
				// string; a JSON syntax error is n8n's own 422, the node never runs.
				const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim();
				let body: unknown = undefined;
				if (rawBody.length) {
					const text = rawBody.toString('utf8').replace(/^\uFEFF/, '');
					if (contentType === 'application/json') {
						try {
							body = JSON.parse(text) as unknown;
						} catch {
							res.statusCode = 422;
							res.end(JSON.stringify({ code: 422, message: 'Failed to parse request body' }));
							return;
						}
					} else if (contentType === 'application/x-www-form-urlencoded') {
						body = { ...parseQuery(text, undefined, undefined, { maxKeys: 1000 }) };
					} else if (contentType === 'text/plain') {
						body = text;
					}
				}
				Object.assign(req, { rawBody, body });
				// A copy per request: n8n loads static data from its database per request.
				const working = JSON.parse(JSON.stringify(staticData)) as IDataObject;
				const response = {
					status(code: number) {
						res.statusCode = code;
						return response;
					},
					json(data: unknown) {
						res.setHeader('content-type', 'application/json');
						res.end(JSON.stringify(data));
						return response;
					},
				};
				const ctx = {
					getRequestObject: () => req,
					getResponseObject: () => response,
					getHeaderData: () => req.headers,
					getBodyData: () => body,
					getNodeParameter: (name: string, fallback?: unknown) => (name in params ? params[name] : fallback),
					getCredentials: async (type: string) => {
						if (!credentials[type]) throw new Error(`no credentials ${type}`);
						return credentials[type];
					},
					getWorkflowStaticData: () => working,
					getMode: () => 'webhook',
					helpers: {
						returnJsonArray: (data: IDataObject | IDataObject[]) =>
							(Array.isArray(data) ? data : [data]).map((json) => ({ json })),
					},
				} as unknown as IWebhookFunctions;
				try {
					const result = await node.webhook!.call(ctx);
					if (result.workflowData) {
						executions.push(result.workflowData);
						staticData = working;
					}
					if (!result.noWebhookResponse && !res.writableEnded) {
						res.setHeader('content-type', 'application/json');
						res.end(JSON.stringify(result.webhookResponse ?? { message: 'Workflow was started' }));
					}
				} catch (error) {
					res.statusCode = 500;
					res.end(JSON.stringify({ error: (error as Error).message }));
				}
			})();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/webhook/ingest`,
		executions,
		get staticData() {
			return staticData;
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

export async function post(
	url: string,
	body: string | Buffer,
	headers: Record<string, string>,
): Promise<{ status: number; json: IDataObject }> {
	const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
	const text = await res.text();
	let json: IDataObject = {};
	try {
		json = JSON.parse(text) as IDataObject;
	} catch {
		json = { text };
	}
	return { status: res.status, json };
}
