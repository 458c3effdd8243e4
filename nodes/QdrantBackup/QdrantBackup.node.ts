import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { assertNotDestructiveTool, QDRANT_BACKUP_SUBTITLE, QDRANT_BACKUP_TOOL_DESCRIPTION, qdrantBackupProperties } from './description';
import { pushBackupMetrics } from './metrics';
import {
	applyRetentionOp,
	createOp,
	deleteOp,
	downloadOp,
	listOp,
	restoreOp,
	verifyOp,
	type OpContext,
} from './operations';
import type { SnapshotScope } from './qdrantClient';

const OPERATIONS: Record<string, (op: OpContext) => Promise<Array<Pick<INodeExecutionData, 'json' | 'binary'>>>> = {
	create: createOp,
	list: listOp,
	download: downloadOp,
	verify: verifyOp,
	delete: deleteOp,
	applyRetention: applyRetentionOp,
	restore: restoreOp,
};

export class QdrantBackup implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Qdrant Backup',
		name: 'qdrantBackup',
		icon: { light: 'file:qdrantBackup.svg', dark: 'file:qdrantBackup.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: QDRANT_BACKUP_SUBTITLE,
		description:
			'Create, list, download (streamed), verify, delete and restore Qdrant snapshots, and apply a restic-style retention policy',
		defaults: { name: 'Qdrant Backup' },
		usableAsTool: { replacements: { description: QDRANT_BACKUP_TOOL_DESCRIPTION } },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'ragOpsQdrantApi', required: true },
			// The linter reads this array literally, so pushgatewayCredential is spelled out here.
			{ name: 'ragOpsPushgatewayApi', required: true, displayOptions: { show: { pushMetrics: [true] } } },
		],
		properties: qdrantBackupProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const out: INodeExecutionData[] = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const resource = this.getNodeParameter('resource', itemIndex, 'collection') as string;
			const operation = this.getNodeParameter('operation', itemIndex) as string;
			const started = Date.now();
			let scope: SnapshotScope = { collection: null };
			try {
				assertNotDestructiveTool(this, operation, itemIndex);
				const run = OPERATIONS[operation];
				if (!run || (resource === 'storage' && operation === 'restore')) {
					throw new NodeOperationError(this.getNode(), `Unsupported operation "${operation}" for ${resource}`, {
						description: 'Qdrant restores full storage snapshots only at start-up (--storage-snapshot); pick another operation.',
						itemIndex,
					});
				}
				if (resource === 'collection') {
					const collection = String(this.getNodeParameter('collection', itemIndex, '') ?? '').trim();
					if (!collection) {
						throw new NodeOperationError(this.getNode(), 'No collection given', {
							description: 'Set Collection to the name of the Qdrant collection to back up.',
							itemIndex,
						});
					}
					scope = { collection };
				}
				const emitted = await run({ ctx: this, itemIndex, item: items[itemIndex]!, scope });
				for (const e of emitted) {
					await pushBackupMetrics(this, itemIndex, operation, scope, e, started);
					out.push({ ...e, pairedItem: { item: itemIndex } });
				}
			} catch (error) {
				const failure =
					error instanceof NodeApiError || error instanceof NodeOperationError
						? error
						: new NodeOperationError(this.getNode(), error as Error, { itemIndex });
				const item: INodeExecutionData = {
					json: {
						collection: scope.collection,
						operation,
						error: failure.message,
						description: failure.description ?? null,
						// Downstream retention reads this: a failed step never counts as verified.
						verified: false,
						// A timed-out create or restore Qdrant still works on: say so, not "nothing happened".
						...(failure.context?.stillRunningOnQdrant === true ? { stillRunningOnQdrant: true } : {}),
					},
					pairedItem: { item: itemIndex },
				};
				// Failures are what the backup metrics exist for: push before failing the run.
				await pushBackupMetrics(this, itemIndex, operation, scope, item, started, true);
				if (!this.continueOnFail()) throw failure;
				out.push(item);
			}
		}
		return [out];
	}
}
