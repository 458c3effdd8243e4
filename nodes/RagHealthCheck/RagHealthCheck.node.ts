import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { PUSHGATEWAY_CREDENTIAL_TYPE, pushMetricsProperties } from '../shared/pushgateway';
import { checkDescription } from './description';
import { executeSweep } from './execute';
import { CREDENTIAL_TYPE } from './transport';

/**
 * One sweep per execution, no memory between executions: every item says
 * what is true now (a failing target is `down` at once). State that must
 * follow a sequence of checks (hysteresis, transitions, reminders) lives in
 * RAG Health Watch Trigger, which runs on n8n's main instance where its
 * updates are serialized: see docs/scaling.md for why not here.
 */

export class RagHealthCheck implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'RAG Health Check',
		name: 'ragHealthCheck',
		icon: { light: 'file:ragHealthCheck.svg', dark: 'file:ragHealthCheck.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ $parameter["targetSource"] === "items" ? "one target per input item" : (($parameter["targets"].target || []).length === 1 ? "1 target" : ($parameter["targets"].target || []).length + " targets") }}',
		description: 'Probe RAG services (RAG API, Qdrant, Chroma, n8n, Prometheus, Loki, any URL) once and grade each answer',
		defaults: { name: 'RAG Health Check' },
		usableAsTool: {
			replacements: {
				description:
					'Check whether RAG services (RAG API, search, Qdrant, Chroma, n8n, Prometheus, Loki or any URL) are up right now. Answers one entry per target: status (pass/warn/fail), state (up/down), the HTTP status, the response time and what failed.',
			},
		},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Alert', 'OK'],
		credentials: [
			{ name: CREDENTIAL_TYPE, required: true, displayOptions: { show: { authentication: ['ragServiceApi'] } } },
			// Spelled out rather than spreading `pushgatewayCredential`: n8n's lint
			// rules (and the verification scanner) only read object literals here.
			{ name: PUSHGATEWAY_CREDENTIAL_TYPE, required: true, displayOptions: { show: { pushMetrics: [true] } } },
		],
		properties: [...checkDescription, ...pushMetricsProperties],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeSweep(this);
	}
}
