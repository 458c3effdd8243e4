import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { assertNotDestructiveTool } from './description';
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
import type { SnapshotScope } from './transport';

const OPERATIONS: Record<string, (op: OpContext) => Promise<Array<Pick<INodeExecutionData, 'json' | 'binary'>>>> = {
	create: createOp,
	list: listOp,
	download: downloadOp,
	verify: verifyOp,
	delete: deleteOp,
	applyRetention: applyRetentionOp,
	restore: restoreOp,
};

/**
 * What n8n runs for Qdrant Backup: per item, the chosen operation on its
 * scope (a collection, or the full storage), its metrics pushed, and a failure
 * turned into an error item (with "Continue On Fail") that still pushes the
 * failed run.
 */
export async function executeOperations(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const resource = ctx.getNodeParameter('resource', itemIndex, 'collection') as string;
		const operation = ctx.getNodeParameter('operation', itemIndex) as string;
		const started = Date.now();
		let scope: SnapshotScope = { collection: null };
		try {
			assertNotDestructiveTool(ctx, operation, itemIndex);
			const run = OPERATIONS[operation];
			if (!run || (resource === 'storage' && operation === 'restore')) {
				throw new NodeOperationError(ctx.getNode(), `Unsupported operation "${operation}" for ${resource}`, {
					description: 'Qdrant restores full storage snapshots only at start-up (--storage-snapshot); pick another operation.',
					itemIndex,
				});
			}
			if (resource === 'collection') {
				const collection = String(ctx.getNodeParameter('collection', itemIndex, '') ?? '').trim();
				if (!collection) {
					throw new NodeOperationError(ctx.getNode(), 'No collection given', {
						description: 'Set Collection to the name of the Qdrant collection to back up.',
						itemIndex,
					});
				}
				scope = { collection };
			}
			const emitted = await run({ ctx, itemIndex, item: items[itemIndex]!, scope });
			for (const e of emitted) {
				await pushBackupMetrics(ctx, itemIndex, operation, scope, e, started);
				out.push({ ...e, pairedItem: { item: itemIndex } });
			}
		} catch (error) {
			const failure =
				error instanceof NodeApiError || error instanceof NodeOperationError
					? error
					: new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
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
			await pushBackupMetrics(ctx, itemIndex, operation, scope, item, started, true);
			if (!ctx.continueOnFail()) throw failure;
			out.push(item);
		}
	}
	return [out];
}
