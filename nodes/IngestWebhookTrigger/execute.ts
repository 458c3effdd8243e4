import { NodeOperationError, type IDataObject, type IWebhookFunctions, type IWebhookResponseData } from 'n8n-workflow';

import { remember, seenAt } from '../shared/idempotency';
import { readDeliveryBody } from './delivery';
import { applyFilters, branchOf, changedPathsOf, splitList } from './filters';
import { sha256Hex, verifySignature, type SignatureEncoding } from './hmac';

/** Where accepted delivery ids live in the node's static data. */
export const DELIVERIES_FIELD = 'acceptedDeliveries';

type RequestWithRawBody = ReturnType<IWebhookFunctions['getRequestObject']> & {
	rawBody?: Buffer;
	readRawBody?: () => Promise<void>;
};

function header(headers: IDataObject, name: string): string | undefined {
	const value = headers[name.toLowerCase()];
	if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
	return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * What n8n runs for each request to the webhook: verify the signature over the
 * raw body, read the body, answer pings, drop remembered redeliveries (best
 * effort), apply the filters, then answer at once and start the workflow.
 */
export async function receiveDelivery(ctx: IWebhookFunctions): Promise<IWebhookResponseData> {
	const req = ctx.getRequestObject() as RequestWithRawBody;
	const res = ctx.getResponseObject();
	const headers = ctx.getHeaderData() as IDataObject;
	const mode = ctx.getNodeParameter('signatureMode', 'github') as string;
	const github = mode === 'github';
	// A test webhook ("Listen for test event") runs in manual mode. There n8n
	// keeps the editor listening when a delivery starts nothing, so a rejected
	// or ignored test delivery would be invisible; throwing instead makes n8n
	// end the test run, failed at this node with the reason (the sender gets
	// n8n's generic HTTP 500 "Workflow could not be started").
	const testMode = ctx.getMode() === 'manual';

	const reply = (code: number, body: IDataObject): IWebhookResponseData => {
		res.status(code).json(body);
		return { noWebhookResponse: true };
	};

	// n8n reads the raw bytes lazily; they are what the sender signed.
	if (!req.rawBody && typeof req.readRawBody === 'function') {
		try {
			await req.readRawBody();
		} catch (error) {
			// raw-body's errors carry the HTTP status (413 past N8N_PAYLOAD_SIZE_MAX); answer it, without a stack trace.
			const status = (error as { status?: unknown }).status;
			if (status === 413) return reply(413, { status: 'rejected', reason: 'the body is larger than this n8n accepts (N8N_PAYLOAD_SIZE_MAX)' });
			return reply(400, { status: 'rejected', reason: 'the body could not be read' });
		}
	}
	const raw = Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.alloc(0);

	const credentials = await ctx.getCredentials('ragOpsWebhookSecretApi');
	const secret = typeof credentials.secret === 'string' ? credentials.secret : '';
	const signatureHeader = github ? 'X-Hub-Signature-256' : (ctx.getNodeParameter('signatureHeader', '') as string);
	const prefix = github ? 'sha256=' : (ctx.getNodeParameter('signaturePrefix', '') as string);
	const encoding = (github ? 'hex' : ctx.getNodeParameter('signatureEncoding', 'hex')) as SignatureEncoding;
	const verdict = verifySignature(secret, raw, header(headers, signatureHeader), prefix, encoding);
	if (!verdict.valid) {
		const reason = `${verdict.reason} (${signatureHeader})`;
		if (testMode) {
			throw new NodeOperationError(ctx.getNode(), `Rejected test delivery: ${reason}`, {
				description: `Use the same secret in the credential and at the sender (GitHub: repository Settings → Webhooks → Secret), and let the sender sign the raw body (${signatureHeader}). Once published, such a delivery gets HTTP 401 and starts nothing.`,
			});
		}
		// 401 and no execution: an unsigned request must not cost a workflow run.
		return reply(401, { status: 'rejected', reason });
	}

	// The body is checked before anything is remembered: a refused delivery can be fixed and sent again.
	const contentType = header(headers, 'content-type')?.split(';')[0].trim().toLowerCase();
	const delivery = readDeliveryBody(contentType, ctx.getBodyData(), raw);
	if (!delivery.ok) return reply(delivery.status, { status: 'rejected', reason: delivery.reason });
	const body = delivery.body;

	const event = github ? header(headers, 'X-GitHub-Event') : header(headers, ctx.getNodeParameter('eventHeader', '') as string);
	const deliveryIdHeader = github ? 'X-GitHub-Delivery' : (ctx.getNodeParameter('deliveryIdHeader', '') as string);
	const deliveryId = header(headers, deliveryIdHeader) ?? `sha256:${sha256Hex(raw)}`;

	// GitHub sends `ping` when the hook is created: answer it without a run.
	const eventsParam = ctx.getNodeParameter('events', '') as string;
	const events = splitList(eventsParam);
	if (github && event === 'ping' && !events.includes('ping')) {
		return reply(200, { status: 'pong', deliveryId });
	}

	const store = ctx.getWorkflowStaticData('node');
	const replayMemory = Math.max(1, Number(ctx.getNodeParameter('replayMemory', 1000)) || 1000);
	const storeOptions = { maxKeys: replayMemory, ttlMs: 0 };
	if (seenAt(store, DELIVERIES_FIELD, deliveryId, storeOptions) !== undefined) {
		// 2xx, so the sender marks the redelivery done instead of retrying it.
		return reply(200, { status: 'duplicate', deliveryId });
	}

	const filter = applyFilters(event, body, {
		events,
		branches: splitList(ctx.getNodeParameter('branches', '') as string),
		onlyDefaultBranch: ctx.getNodeParameter('onlyDefaultBranch', false) as boolean,
		paths: splitList(ctx.getNodeParameter('paths', '') as string),
	});
	if (!filter.pass) {
		if (testMode) {
			throw new NodeOperationError(ctx.getNode(), `Test delivery ignored: ${filter.reason}`, {
				description: 'The delivery is signed correctly but the filters (Events, Only Default Branch, Branches, Changed Paths) do not let it start the workflow. Once published, such a delivery gets HTTP 202 and starts nothing.',
			});
		}
		return reply(202, { status: 'ignored', reason: filter.reason, deliveryId });
	}

	remember(store, DELIVERIES_FIELD, deliveryId, storeOptions);
	// Answer here rather than through responseMode: n8n saves the webhook's
	// static data when the response is sent, and the execution reloads static
	// data from the database when it starts (and saves its copy when it ends).
	// With n8n's deferred "onReceived" answer the save came after that reload,
	// so the execution's copy overwrote the remembered delivery id.
	res.status(200).json({ status: 'accepted', deliveryId });
	return {
		noWebhookResponse: true,
		workflowData: [
			ctx.helpers.returnJsonArray({
				event: event ?? null,
				deliveryId,
				branch: branchOf(body) ?? null,
				changedPaths: changedPathsOf(body),
				receivedAt: new Date().toISOString(),
				body,
			}),
		],
	};
}
