import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { PUSHGATEWAY_CREDENTIAL_TYPE, pushMetricsProperties } from '../shared/pushgateway';
import { retrievalDescription } from './description';
import { executeRun } from './execute';
import { CREDENTIAL_TYPE } from './transport';

/**
 * Golden queries against the user's search API, graded: recall@k, MRR,
 * nDCG@k, empty results, latency, errors, and rank-biased overlap against a
 * baseline given to the node (never kept in static data: it does not reach
 * queue-mode workers; the run outputs the next baseline instead).
 */
export class RagRetrievalCheck implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'RAG Retrieval Check',
		name: 'ragRetrievalCheck',
		icon: { light: 'file:ragRetrievalCheck.svg', dark: 'file:ragRetrievalCheck.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["checkName"] + " (" + $parameter["searchPreset"] + ")"}}',
		description: 'Run golden queries against a search API and grade recall@k, MRR, nDCG, latency and drift against a baseline',
		defaults: { name: 'RAG Retrieval Check' },
		usableAsTool: {
			replacements: {
				description:
					'Grade how well a search API retrieves: runs the golden queries and answers the verdict (pass/fail), recall@k, MRR, nDCG, latency, drift against a baseline, and the worst cases.',
			},
		},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Pass', 'Fail'],
		credentials: [
			{ name: CREDENTIAL_TYPE, required: true, displayOptions: { show: { authentication: ['ragServiceApi'] } } },
			// Spelled out: n8n's lint rules and the verification scanner only read object literals here.
			{ name: PUSHGATEWAY_CREDENTIAL_TYPE, required: true, displayOptions: { show: { pushMetrics: [true] } } },
		],
		properties: [...retrievalDescription, ...pushMetricsProperties],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const { pass, fail } = await executeRun(this);
		return [pass, fail];
	}
}
