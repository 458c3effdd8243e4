import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { PUSHGATEWAY_CREDENTIAL_TYPE, pushMetricsProperties } from '../shared/pushgateway';
import { pick, toolAnswer } from '../shared/toolAnswer';
import { checkDescription } from './description';
import { readSettings } from './settings';
import { explainSuppressed } from './suppression';
import { checkAll, CREDENTIAL_TYPE, pushAll, requestFor, settleInstant, sweepItems } from './sweep';

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
		const items = this.getInputData();
		const now = Date.now();
		const settings = readSettings(
			this.getNode(),
			(name, itemIndex, fallback) => this.getNodeParameter(name, itemIndex, fallback),
			items.length,
			this.continueOnFail(),
		);
		const request = requestFor(settings.authenticate, this.helpers, this);
		const results = await checkAll(settings, request, this.getExecutionCancelSignal?.());
		const settled = settleInstant(settings, results, now);
		const pushes = await pushAll(this, settings, results, settled, now);
		const { alert, ok } = sweepItems(settings, results, settled, pushes, now);
		explainSuppressed([...alert, ...ok]);
		// As an AI tool, every target in one compact list (n8n hands an agent only output 0).
		return toolAnswer(this, [alert, ok], ['Alert', 'OK'], (json) =>
			pick(json, ['target', 'status', 'state', 'event', 'critical', 'message', 'statusCode', 'responseTimeMs', 'url', 'alert', 'error', 'warnings']),
		);
	}
}
