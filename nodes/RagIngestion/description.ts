import type { INodeProperties } from 'n8n-workflow';

/** The parameters of RAG Ingestion (the Push Metrics ones come from nodes/shared/pushgateway.ts). */
export const ingestionDescription: INodeProperties[] = [
	{
		displayName:
			'One run per key is enforced by your ingestion API: it must honour the Idempotency-Key header (same key → the same run, 409 while in flight, 422 for another body; see the docs, and check yours with npm run check:idempotency). Keys remembered in workflow static data are only a cheap first filter: queue-mode workers and overlapping executions do not share them.',
		name: 'idempotencyNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Ingestion API URL',
		name: 'baseUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'http://ingestion:8080',
	},
	{
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		options: [
			{ name: 'None', value: 'none' },
			{ name: 'RagOps Service API', value: 'ragServiceApi' },
		],
		default: 'none',
	},
	{
		displayName: 'Source',
		name: 'source',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'handbook',
		description: 'Name of the source to ingest; also the target label of pushed metrics',
	},
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		options: [
			{ name: 'Incremental', value: 'incremental' },
			{ name: 'Full', value: 'full' },
		],
		default: 'incremental',
	},
	{
		displayName: 'Idempotency Key',
		name: 'idempotencyKey',
		type: 'string',
		default: '={{ $json.guid ?? $json.deliveryId ?? $json.id ?? "" }}',
		description:
			'Identifies the source version to ingest (a feed item guid, repository@commit, a date); sent as the Idempotency-Key header so the API starts at most one run per key. Empty: no key, only the in-progress check.',
	},
	{
		displayName: 'Metadata (JSON)',
		name: 'metadata',
		type: 'json',
		default: '{}',
		description: 'Sent as "metadata" in the start request',
	},
	{
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'boolean',
		default: true,
		description: 'Whether to poll the run status until it succeeds, fails or runs past the maximum runtime',
	},
	{
		displayName: 'Max Runtime (Minutes)',
		name: 'maxRuntimeMinutes',
		type: 'number',
		default: 60,
		typeOptions: { minValue: 0 },
		displayOptions: { show: { waitForCompletion: [true] } },
		description: 'A run still going after this long is reported failed',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{ displayName: 'First Poll Interval (Seconds)', name: 'pollIntervalSeconds', type: 'number', default: 5, typeOptions: { minValue: 0.01 } },
			{ displayName: 'Key Memory (Hours)', name: 'keyTtlHours', type: 'number', default: 168, typeOptions: { minValue: 0 }, description: 'Forget a key remembered in static data after this long (0: keep until evicted by newer keys). A first filter only: the API decides.' },
			{ displayName: 'Max Poll Interval (Seconds)', name: 'maxPollIntervalSeconds', type: 'number', default: 60, typeOptions: { minValue: 0.01 } },
			{ displayName: 'Remembered Keys', name: 'keyMemory', type: 'number', default: 1000, typeOptions: { minValue: 1 }, description: 'How many idempotency keys to keep in static data as a first filter (not shared with queue-mode workers; the API decides)' },
			{ displayName: 'Request Timeout (Seconds)', name: 'timeoutSeconds', type: 'number', default: 30, typeOptions: { minValue: 1 } },
			{ displayName: 'Start Method', name: 'method', type: 'options', options: [{ name: 'POST', value: 'POST' }, { name: 'PUT', value: 'PUT' }], default: 'POST' },
			{ displayName: 'Start Path', name: 'startPath', type: 'string', default: '/runs' },
			{ displayName: 'Status Path', name: 'statusPath', type: 'string', default: '/runs/{runId}', description: '{runId} is replaced by the ID the start request returned' },
		],
	},
];
