import { NodeConnectionTypes } from 'n8n-workflow';
import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { QDRANT_BACKUP_SUBTITLE, QDRANT_BACKUP_TOOL_DESCRIPTION, qdrantBackupProperties } from './description';
import { executeOperations } from './execute';

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
		return await executeOperations(this);
	}
}
