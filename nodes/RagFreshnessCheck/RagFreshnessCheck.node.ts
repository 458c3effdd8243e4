import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { pushMetricsProperties } from '../shared/pushgateway';
import { freshnessDescription } from './description';
import { executeChecks } from './execute';

export class RagFreshnessCheck implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'RAG Freshness Check',
		name: 'ragFreshnessCheck',
		icon: { light: 'file:ragFreshnessCheck.svg', dark: 'file:ragFreshnessCheck.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ $parameter["manifestName"] + " manifest · " + ({ url: "from URL", json: "from input JSON", binary: "from a file" })[$parameter["source"]] }}',
		description:
			"Checks an ingestion pipeline's freshness manifest: shape, age, chunk counts and drift against the running backend",
		defaults: { name: 'RAG Freshness Check' },
		usableAsTool: {
			replacements: {
				description:
					'Check how fresh a RAG index is from its freshness manifest: answers the status (pass, warn, fail), the reasons (age, config drift, chunk counts) and when the index was built.',
			},
		},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Fresh', 'Stale'],
		credentials: [
			{
				name: 'ragServiceApi',
				required: true,
				displayOptions: { show: { authentication: ['ragServiceApi'] } },
			},
			// Spelled out: n8n's lint rules and the verification scanner only read object literals here.
			{ name: 'ragOpsPushgatewayApi', required: true, displayOptions: { show: { pushMetrics: [true] } } },
		],
		properties: [...freshnessDescription, ...pushMetricsProperties],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeChecks(this);
	}
}
