import {
	NodeConnectionTypes,
	NodeOperationError,
	type ICredentialTestFunctions,
	type ICredentialsDecrypted,
	type IDataObject,
	type IHookFunctions,
	type INodeCredentialTestResult,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { sha256Hex, verifySignature, type SignatureEncoding } from './hmac';
import { remember, seenAt } from '../shared/idempotency';
import { readDeliveryBody } from './delivery';
import { applyFilters, branchOf, changedPathsOf, splitList } from './filters';

/** Where accepted delivery ids live in the node's static data. */
const DELIVERIES_FIELD = 'acceptedDeliveries';

type RequestWithRawBody = ReturnType<IWebhookFunctions['getRequestObject']> & {
	rawBody?: Buffer;
	readRawBody?: () => Promise<void>;
};

function header(headers: IDataObject, name: string): string | undefined {
	const value = headers[name.toLowerCase()];
	if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
	return typeof value === 'string' && value !== '' ? value : undefined;
}

export class IngestWebhookTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Ingest Webhook Trigger',
		name: 'ingestWebhookTrigger',
		icon: { light: 'file:ingestWebhookTrigger.svg', dark: 'file:ingestWebhookTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["signatureMode"] === "github" ? "GitHub signature" : "Generic HMAC signature"}}',
		description:
			'Starts a workflow from a signed webhook (GitHub or generic HMAC SHA-256), rejecting unsigned deliveries and, best effort, redelivered ones',
		defaults: { name: 'Ingest Webhook Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		// What the editor shows while it listens for a test delivery, instead of
		// n8n's generic "make an event happen": how to make GitHub send one, and
		// why a delivery may never show up here.
		triggerPanel: {
			header: 'Test with a signed delivery from GitHub',
			executionsHelp: {
				inactive:
					"<b>While listening</b>, the node's <b>Test URL</b> (above) accepts one delivery. From GitHub: in the repository's <i>Settings → Webhooks</i>, set the Payload URL to the Test URL, content type <i>application/json</i> and the same secret as the credential, then push a commit or open <i>Recent Deliveries → Redeliver</i>. A ping answers pong and keeps listening. A delivery that is not correctly signed, or that the filters (Events, branches, Changed Paths) ignore, ends the test run failed at this node with the reason: check that the credential and GitHub use the same secret.<br><br>Once the workflow is published, deliveries to the <b>Production URL</b> start it without listening.",
				active:
					'The workflow is published: every accepted delivery to the <b>Production URL</b> starts it; see them under <i>Executions</i>. GitHub lists each delivery and our answer (accepted, ignored, duplicate, or 401 rejected with the reason) under <i>Settings → Webhooks → Recent Deliveries</i>.',
			},
			activationHint:
				"Publish the workflow and give GitHub the <b>Production URL</b>: signed deliveries then start it without listening.",
		},
		credentials: [{ name: 'ragOpsWebhookSecretApi', required: true, testedBy: 'webhookSecretTest' }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				// Answer at once: GitHub gives up on a delivery after 10 s, and an
				// ingestion run takes minutes.
				responseMode: 'onReceived',
				path: '={{$parameter["path"]}}',
				// The URL is exactly /webhook/<path>, like n8n's Webhook node: easy to paste into GitHub.
				isFullPath: true,
			},
		],
		properties: [
			{
				displayName:
					'Redelivered delivery IDs are rejected on a best-effort basis only: they are remembered in workflow static data, which queue-mode webhook processes and workers do not share and concurrent deliveries overwrite. One ingestion run per source version comes from your ingestion API honouring the RAG Ingestion node\'s Idempotency-Key: key it by the version (repository@commit), not by the delivery ID.',
				name: 'replayNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Path',
				name: 'path',
				type: 'string',
				default: 'ingest',
				required: true,
				description: 'The path of the webhook URL to give the sender',
			},
			{
				displayName: 'Signature Mode',
				name: 'signatureMode',
				type: 'options',
				options: [
					{
						name: 'GitHub',
						value: 'github',
						description: 'X-Hub-Signature-256 (sha256=hex digest), X-GitHub-Event, X-GitHub-Delivery',
					},
					{
						name: 'Generic HMAC SHA-256',
						value: 'generic',
						description: 'Any sender that signs the raw body with HMAC SHA-256 in a header you name',
					},
				],
				default: 'github',
			},
			{
				displayName: 'Signature Header',
				name: 'signatureHeader',
				type: 'string',
				default: 'X-Signature-256',
				displayOptions: { show: { signatureMode: ['generic'] } },
				description: 'Header that carries the signature',
			},
			{
				displayName: 'Signature Prefix',
				name: 'signaturePrefix',
				type: 'string',
				default: 'sha256=',
				displayOptions: { show: { signatureMode: ['generic'] } },
				description: 'Text before the digest in the header (empty for a bare digest)',
			},
			{
				displayName: 'Signature Encoding',
				name: 'signatureEncoding',
				type: 'options',
				options: [
					{ name: 'Hex', value: 'hex' },
					{ name: 'Base64', value: 'base64' },
				],
				default: 'hex',
				displayOptions: { show: { signatureMode: ['generic'] } },
			},
			{
				displayName: 'Delivery ID Header',
				name: 'deliveryIdHeader',
				type: 'string',
				default: 'X-Delivery-ID',
				displayOptions: { show: { signatureMode: ['generic'] } },
				description:
					'Header with a unique ID per delivery, used to reject redeliveries (best effort). Without it the SHA-256 of the body is used.',
			},
			{
				displayName: 'Event Header',
				name: 'eventHeader',
				type: 'string',
				default: 'X-Event-Type',
				displayOptions: { show: { signatureMode: ['generic'] } },
				description: 'Header naming the event type, for the event filter',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'string',
				default: 'push',
				placeholder: 'push, release',
				description:
					'Comma-separated event types that start the workflow; empty or * for all. Other events get a 202 and start nothing.',
			},
			{
				displayName: 'Only Default Branch',
				name: 'onlyDefaultBranch',
				type: 'boolean',
				default: false,
				description: "Whether to accept only pushes to the repository's default branch (repository.default_branch)",
			},
			{
				displayName: 'Branches',
				name: 'branches',
				type: 'string',
				default: '',
				placeholder: 'main, release/*',
				description: 'Comma-separated branch globs to accept; empty for all',
			},
			{
				displayName: 'Changed Paths',
				name: 'paths',
				type: 'string',
				default: '',
				placeholder: 'docs/**, *.md',
				description:
					'Comma-separated path globs; the delivery starts the workflow only if a commit added, modified or removed a matching file. Empty for all.',
			},
			{
				displayName: 'Remembered Deliveries',
				name: 'replayMemory',
				type: 'number',
				default: 1000,
				typeOptions: { minValue: 1 },
				description:
					'How many accepted delivery IDs to remember in workflow static data to reject redeliveries: a cheap first filter, not a guarantee (not shared in queue mode, racy under concurrent deliveries)',
			},
		],
	};

	methods = {
		credentialTest: {
			// No remote endpoint knows the secret: check what can be checked locally.
			async webhookSecretTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				const secret = credential.data?.secret;
				if (typeof secret !== 'string' || secret === '') {
					return { status: 'Error', message: 'The secret is empty' };
				}
				if (secret !== secret.trim()) {
					return {
						status: 'Error',
						message: 'The secret starts or ends with whitespace; senders usually trim it, so signatures would not match',
					};
				}
				if (secret.length < 16) {
					return { status: 'Error', message: 'Use a secret of at least 16 characters' };
				}
				return { status: 'OK', message: 'The secret is usable' };
			},
		},
	};

	// Nothing to register at a third party: the user pastes the URL into the
	// sender's settings. Activation creates the (empty) replay memory in static
	// data, which n8n saves right after activating. That memory is a cheap,
	// best-effort filter: n8n 2.40 reads a webhook's static data once per request
	// and saves it as a blind overwrite, and queue-mode processes do not share
	// it. Exactly-once is the ingestion API's job (Idempotency-Key).
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const store = this.getWorkflowStaticData('node');
				return store[DELIVERIES_FIELD] !== null && typeof store[DELIVERIES_FIELD] === 'object';
			},
			async create(this: IHookFunctions): Promise<boolean> {
				this.getWorkflowStaticData('node')[DELIVERIES_FIELD] = {};
				return true;
			},
			// Deactivating keeps the memory: a redelivery after re-activation is still a replay.
			async delete(): Promise<boolean> {
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const req = this.getRequestObject() as RequestWithRawBody;
		const res = this.getResponseObject();
		const headers = this.getHeaderData() as IDataObject;
		const mode = this.getNodeParameter('signatureMode', 'github') as string;
		const github = mode === 'github';
		// A test webhook ("Listen for test event") runs in manual mode. There n8n
		// keeps the editor listening when a delivery starts nothing, so a rejected
		// or ignored test delivery would be invisible; throwing instead makes n8n
		// end the test run, failed at this node with the reason (the sender gets
		// n8n's generic HTTP 500 "Workflow could not be started").
		const testMode = this.getMode() === 'manual';

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

		const credentials = await this.getCredentials('ragOpsWebhookSecretApi');
		const secret = typeof credentials.secret === 'string' ? credentials.secret : '';
		const signatureHeader = github ? 'X-Hub-Signature-256' : (this.getNodeParameter('signatureHeader', '') as string);
		const prefix = github ? 'sha256=' : (this.getNodeParameter('signaturePrefix', '') as string);
		const encoding = (github ? 'hex' : this.getNodeParameter('signatureEncoding', 'hex')) as SignatureEncoding;
		const verdict = verifySignature(secret, raw, header(headers, signatureHeader), prefix, encoding);
		if (!verdict.valid) {
			const reason = `${verdict.reason} (${signatureHeader})`;
			if (testMode) {
				throw new NodeOperationError(this.getNode(), `Rejected test delivery: ${reason}`, {
					description: `Use the same secret in the credential and at the sender (GitHub: repository Settings → Webhooks → Secret), and let the sender sign the raw body (${signatureHeader}). Once published, such a delivery gets HTTP 401 and starts nothing.`,
				});
			}
			// 401 and no execution: an unsigned request must not cost a workflow run.
			return reply(401, { status: 'rejected', reason });
		}

		// The body is checked before anything is remembered: a refused delivery can be fixed and sent again.
		const contentType = header(headers, 'content-type')?.split(';')[0].trim().toLowerCase();
		const delivery = readDeliveryBody(contentType, this.getBodyData(), raw);
		if (!delivery.ok) return reply(delivery.status, { status: 'rejected', reason: delivery.reason });
		const body = delivery.body;

		const event = github ? header(headers, 'X-GitHub-Event') : header(headers, this.getNodeParameter('eventHeader', '') as string);
		const deliveryIdHeader = github ? 'X-GitHub-Delivery' : (this.getNodeParameter('deliveryIdHeader', '') as string);
		const deliveryId = header(headers, deliveryIdHeader) ?? `sha256:${sha256Hex(raw)}`;

		// GitHub sends `ping` when the hook is created: answer it without a run.
		const eventsParam = this.getNodeParameter('events', '') as string;
		const events = splitList(eventsParam);
		if (github && event === 'ping' && !events.includes('ping')) {
			return reply(200, { status: 'pong', deliveryId });
		}

		const store = this.getWorkflowStaticData('node');
		const replayMemory = Math.max(1, Number(this.getNodeParameter('replayMemory', 1000)) || 1000);
		const storeOptions = { maxKeys: replayMemory, ttlMs: 0 };
		if (seenAt(store, DELIVERIES_FIELD, deliveryId, storeOptions) !== undefined) {
			// 2xx, so the sender marks the redelivery done instead of retrying it.
			return reply(200, { status: 'duplicate', deliveryId });
		}

		const filter = applyFilters(event, body, {
			events,
			branches: splitList(this.getNodeParameter('branches', '') as string),
			onlyDefaultBranch: this.getNodeParameter('onlyDefaultBranch', false) as boolean,
			paths: splitList(this.getNodeParameter('paths', '') as string),
		});
		if (!filter.pass) {
			if (testMode) {
				throw new NodeOperationError(this.getNode(), `Test delivery ignored: ${filter.reason}`, {
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
				this.helpers.returnJsonArray({
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
}
