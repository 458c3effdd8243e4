import {
	NodeConnectionTypes,
	type ICredentialTestFunctions,
	type ICredentialsDecrypted,
	type IHookFunctions,
	type INodeCredentialTestResult,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { ingestWebhookProperties } from './description';
import { DELIVERIES_FIELD, receiveDelivery } from './execute';

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
		properties: ingestWebhookProperties,
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
		return await receiveDelivery(this);
	}
}
