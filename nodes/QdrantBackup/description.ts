import { NodeOperationError, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { pushMetricsProperties } from '../shared/pushgateway';

const allOps = ['create', 'list', 'download', 'verify', 'delete', 'applyRetention', 'restore'];
const withName = ['download', 'verify', 'delete', 'restore'];

// As an AI Agent tool (n8n's `@tool` display option: the tool variant of the
// node type), the Operation lists only what reads or creates: a model may
// create, list, download and verify snapshots, never delete one, apply
// retention or restore over a collection. `assertNotDestructiveTool` enforces
// the same at run time for a workflow that sets such an operation anyway.
export const qdrantBackupProperties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Collection Snapshot', value: 'collection' },
			{ name: 'Full Storage Snapshot', value: 'storage' },
		],
		default: 'collection',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['collection'], '@tool': [false] } },
		options: [
			{ name: 'Apply Retention', value: 'applyRetention', action: 'Apply a retention policy', description: 'Delete the snapshots a restic-style policy does not keep' },
			{ name: 'Create', value: 'create', action: 'Create a snapshot', description: 'Create a snapshot and wait until it is written' },
			{ name: 'Delete', value: 'delete', action: 'Delete a snapshot' },
			{ name: 'Download', value: 'download', action: 'Download a snapshot', description: 'Stream a snapshot into binary data, hashing it on the way' },
			{ name: 'List', value: 'list', action: 'List snapshots', description: 'One item per snapshot, newest first' },
			{ name: 'Restore', value: 'restore', action: 'Restore a collection from a snapshot', description: 'Recover the collection from a URL or an uploaded binary' },
			{ name: 'Verify', value: 'verify', action: 'Verify a snapshot', description: "Compare the SHA-256 of the bytes with Qdrant's checksum" },
		],
		default: 'create',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['collection'], '@tool': [true] } },
		options: [
			{ name: 'Create', value: 'create', action: 'Create a snapshot', description: 'Create a snapshot and wait until it is written' },
			{ name: 'Download', value: 'download', action: 'Download a snapshot', description: 'Stream a snapshot into binary data, hashing it on the way' },
			{ name: 'List', value: 'list', action: 'List snapshots', description: 'One item per snapshot, newest first' },
			{ name: 'Verify', value: 'verify', action: 'Verify a snapshot', description: "Compare the SHA-256 of the bytes with Qdrant's checksum" },
		],
		default: 'create',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['storage'], '@tool': [false] } },
		options: [
			{ name: 'Apply Retention', value: 'applyRetention', action: 'Apply a retention policy to full storage snapshots' },
			{ name: 'Create', value: 'create', action: 'Create a full storage snapshot' },
			{ name: 'Delete', value: 'delete', action: 'Delete a full storage snapshot' },
			{ name: 'Download', value: 'download', action: 'Download a full storage snapshot' },
			{ name: 'List', value: 'list', action: 'List full storage snapshots' },
			{ name: 'Verify', value: 'verify', action: 'Verify a full storage snapshot' },
		],
		default: 'create',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['storage'], '@tool': [true] } },
		options: [
			{ name: 'Create', value: 'create', action: 'Create a full storage snapshot' },
			{ name: 'Download', value: 'download', action: 'Download a full storage snapshot' },
			{ name: 'List', value: 'list', action: 'List full storage snapshots' },
			{ name: 'Verify', value: 'verify', action: 'Verify a full storage snapshot' },
		],
		default: 'create',
	},
	{
		displayName: 'Collection',
		name: 'collection',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'docs',
		description: 'Name of the Qdrant collection (case-sensitive)',
		displayOptions: { show: { resource: ['collection'], operation: allOps } },
	},
	{
		displayName: 'Peer URL',
		name: 'peerUrl',
		type: 'string',
		default: '',
		placeholder: 'http://qdrant-1.qdrant-headless:6333',
		description:
			"Cluster only: the REST URL of the one peer to act on (each peer snapshots only its own shards). Empty: the credential's URL.",
	},
	{
		displayName: 'Snapshot Name',
		name: 'snapshotName',
		type: 'string',
		default: '',
		placeholder: 'docs-4129783125387632-2026-11-26-03-00-00.snapshot',
		description:
			'Name of the snapshot. Leave empty to use the snapshot of the input item (the output of Create, List or Download).',
		displayOptions: { show: { operation: withName } },
	},
	{
		displayName: 'Binary Property',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		description: 'Name of the binary property that holds (or receives) the snapshot file',
		displayOptions: { show: { operation: ['download'] } },
	},
	{
		displayName: 'Verify Source',
		name: 'verifySource',
		type: 'options',
		options: [
			{ name: 'Binary From Input Item', value: 'binary', description: 'Hash the binary the input item carries (for example from Download)' },
			{ name: 'Download and Hash', value: 'download', description: 'Stream the snapshot from Qdrant and hash it without storing it' },
		],
		default: 'binary',
		displayOptions: { show: { operation: ['verify'] } },
	},
	{
		displayName: 'Binary Property',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		description: 'Name of the binary property that holds the snapshot file',
		displayOptions: { show: { operation: ['verify'], verifySource: ['binary'] } },
	},
	{
		displayName: 'Restore Source',
		name: 'restoreSource',
		type: 'options',
		options: [
			{ name: 'Snapshot on This Qdrant', value: 'snapshot', description: 'Recover from a snapshot Qdrant already holds (by name)' },
			{ name: 'URL', value: 'url', description: 'Qdrant downloads the snapshot from a URL itself (any size)' },
			{ name: 'Upload Binary', value: 'upload', description: "Upload the input item's binary (held in memory once: use URL for very large snapshots)" },
		],
		default: 'snapshot',
		displayOptions: { show: { resource: ['collection'], operation: ['restore'] } },
	},
	{
		displayName: "Qdrant's Own URL",
		name: 'selfUrl',
		type: 'string',
		default: 'http://localhost:6333',
		description:
			"URL at which Qdrant reaches its own REST API: Qdrant downloads the snapshot from there. Not n8n's URL of Qdrant, which Qdrant may not reach and which can lead to another peer.",
		displayOptions: { show: { operation: ['restore'], restoreSource: ['snapshot'] } },
	},
	{
		displayName: 'Snapshot URL',
		name: 'location',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://backups.example.com/docs.snapshot',
		description: 'URL Qdrant downloads the snapshot from (http(s):// or file:// on the Qdrant host)',
		displayOptions: { show: { operation: ['restore'], restoreSource: ['url'] } },
	},
	{
		displayName: 'Binary Property',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		description: 'Name of the binary property that holds the snapshot file to upload',
		displayOptions: { show: { operation: ['restore'], restoreSource: ['upload'] } },
	},
	{
		displayName: 'Priority',
		name: 'priority',
		type: 'options',
		options: [
			{ name: 'Snapshot', value: 'snapshot', description: 'The snapshot wins over existing replicas (a real restore)' },
			{ name: 'Replica', value: 'replica', description: 'Existing replicas win; the snapshot syncs to them' },
			{ name: 'No Sync', value: 'no_sync', description: 'Restore without synchronising replicas' },
		],
		default: 'snapshot',
		displayOptions: { show: { operation: ['restore'] } },
	},
	{
		displayName: 'Checksum',
		name: 'checksum',
		type: 'string',
		default: '',
		description:
			"SHA-256 Qdrant checks before restoring. Leave empty to use the input item's verified checksum, or Qdrant's own for a snapshot it holds.",
		displayOptions: { show: { operation: ['restore'] } },
	},
	{
		displayName: 'Keep Last',
		name: 'keepLast',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 7,
		description: 'Keep the N newest snapshots',
		displayOptions: { show: { operation: ['applyRetention'] } },
	},
	{
		displayName: 'Keep Hourly',
		name: 'keepHourly',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: 'Keep the newest snapshot of each of the last N hours that have one',
		displayOptions: { show: { operation: ['applyRetention'] } },
	},
	{
		displayName: 'Keep Daily',
		name: 'keepDaily',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: 'Keep the newest snapshot of each of the last N days that have one',
		displayOptions: { show: { operation: ['applyRetention'] } },
	},
	{
		displayName: 'Keep Weekly',
		name: 'keepWeekly',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: 'Keep the newest snapshot of each of the last N ISO weeks that have one',
		displayOptions: { show: { operation: ['applyRetention'] } },
	},
	{
		displayName: 'Keep Monthly',
		name: 'keepMonthly',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: 'Keep the newest snapshot of each of the last N months that have one',
		displayOptions: { show: { operation: ['applyRetention'] } },
	},
	{
		displayName: 'Keep Yearly',
		name: 'keepYearly',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: 'Keep the newest snapshot of each of the last N years that have one',
		displayOptions: { show: { operation: ['applyRetention'] } },
	},
	{
		displayName: 'Keep Within',
		name: 'keepWithin',
		type: 'string',
		default: '',
		placeholder: '14d',
		description:
			'Keep every snapshot within this duration of the newest one (restic syntax: 36h, 14d, 1y6m, 2y3m4d5h). Empty: off.',
		displayOptions: { show: { operation: ['applyRetention'] } },
	},
	{
		displayName: 'Time Zone',
		name: 'timeZone',
		type: 'string',
		default: 'UTC',
		placeholder: 'Europe/Berlin',
		description: 'IANA time zone in which days, weeks, months and years begin',
		displayOptions: { show: { operation: ['applyRetention'] } },
	},
	{
		displayName: 'Verified Snapshot From',
		name: 'verifiedFrom',
		type: 'options',
		options: [
			{ name: 'Input Item', value: 'input', description: 'The snapshot the input item (from Verify or Download) marks as verified' },
			{ name: 'Verify Newest Now', value: 'verifyNewest', description: 'Download and hash the newest snapshot before deleting anything' },
		],
		default: 'input',
		description:
			'Retention never deletes the newest verified snapshot, and deletes nothing when no snapshot is known to be verified',
		displayOptions: { show: { operation: ['applyRetention'] } },
	},
	{
		displayName: 'Dry Run',
		name: 'dryRun',
		type: 'boolean',
		default: false,
		description: 'Whether to only list what the policy would delete, without deleting anything',
		displayOptions: { show: { operation: ['applyRetention'] } },
	},
	{
		displayName: 'Wait for Completion',
		name: 'wait',
		type: 'boolean',
		default: true,
		description:
			'Whether Qdrant answers only once the snapshot is written (wait=true). Off: Qdrant answers at once and the item has no snapshot description.',
		displayOptions: { show: { operation: ['create'] } },
	},
	{
		displayName: 'Timeout (Seconds)',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 600,
		description: 'How long to wait for one Qdrant answer (creating a large snapshot takes minutes)',
		displayOptions: { show: { operation: ['create', 'list', 'delete', 'applyRetention', 'restore'] } },
	},
	{
		displayName: 'Follow Up After Timeout (Seconds)',
		name: 'followUp',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 300,
		description:
			'Qdrant keeps creating or restoring after a timeout: poll this long for the outcome before reporting "still running on Qdrant". 0: do not poll.',
		displayOptions: { show: { operation: ['create', 'restore'] } },
	},
	{
		displayName: 'Stall Timeout (Seconds)',
		name: 'stallTimeout',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 60,
		description:
			'Fail a download that receives no bytes for this long. A slow but moving download never times out.',
		displayOptions: { show: { operation: ['download', 'verify', 'applyRetention'] } },
	},
	...pushMetricsProperties.map((p) => ({
		...p,
		displayOptions: { show: { operation: ['create', 'download', 'verify'] } },
	})),
];


export const QDRANT_BACKUP_TOOL_DESCRIPTION =
	'Create, list, download or verify snapshots of a Qdrant collection (or of the full storage). Answers one entry per snapshot with its name, size, creation time and, for Verify, whether its SHA-256 matches. Cannot delete or restore.';

/** Subtitle in words ("Apply retention · docs") rather than the raw operation value. */
export const QDRANT_BACKUP_SUBTITLE =
	'={{ ({ create: "Create snapshot", list: "List snapshots", download: "Download snapshot", verify: "Verify snapshot", delete: "Delete snapshot", applyRetention: "Apply retention", restore: "Restore snapshot" })[$parameter["operation"]] + " · " + ($parameter["resource"] === "storage" ? "full storage" : $parameter["collection"]) }}';

/** Operations that delete or overwrite data: never run as an AI Agent tool. */
export const DESTRUCTIVE_OPERATIONS = ['delete', 'restore', 'applyRetention'];

export function assertNotDestructiveTool(ctx: IExecuteFunctions, operation: string, itemIndex: number): void {
	if (!DESTRUCTIVE_OPERATIONS.includes(operation) || !ctx.isToolExecution?.()) return;
	throw new NodeOperationError(ctx.getNode(), `"${operation}" is not available to an AI Agent`, {
		itemIndex,
		description: 'Deleting, restoring and retention change or remove snapshots; run them from a workflow, not as an agent tool. Pick Create, List, Download or Verify.',
	});
}
