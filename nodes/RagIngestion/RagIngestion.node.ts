import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { pushMetricsProperties } from '../shared/pushgateway';
import { ingestionDescription } from './description';
import { executeIngestion } from './execute';

export class RagIngestion implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'RAG Ingestion',
		name: 'ragIngestion',
		icon: { light: 'file:ragIngestion.svg', dark: 'file:ragIngestion.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ ($parameter["mode"] === "full" ? "Full" : "Incremental") + " ingestion of " + $parameter["source"] }}',
		description:
			'Starts an ingestion run with an idempotency key, skips runs the API already has for that key and runs in progress, and optionally waits for the outcome',
		defaults: { name: 'RAG Ingestion' },
		usableAsTool: {
			replacements: {
				description:
					'Start an ingestion (re-index) run of one documentation source, at most once per idempotency key, and report its outcome: status (succeeded, failed, skipped), run ID, documents processed and chunks written.',
			},
		},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Success', 'Failure', 'Skipped'],
		credentials: [
			{ name: 'ragServiceApi', required: true, displayOptions: { show: { authentication: ['ragServiceApi'] } } },
			// Spelled out: n8n's lint rules and the verification scanner only read object literals here.
			{ name: 'ragOpsPushgatewayApi', required: true, displayOptions: { show: { pushMetrics: [true] } } },
		],
		properties: [...ingestionDescription, ...pushMetricsProperties],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeIngestion(this);
	}
}
