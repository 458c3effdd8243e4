import type { INodeProperties } from 'n8n-workflow';

/** The parameters of Ingest Webhook Trigger, as the editor shows them. */
export const ingestWebhookProperties: INodeProperties[] = [
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
];
