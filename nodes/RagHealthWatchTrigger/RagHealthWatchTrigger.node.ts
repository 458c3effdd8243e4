import {
	NodeConnectionTypes,
	type INodeType,
	type INodeTypeDescription,
	type ITriggerFunctions,
	type ITriggerResponse,
} from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../RagHealthCheck/transport';
import { PUSHGATEWAY_CREDENTIAL_TYPE } from '../shared/pushgateway';
import { watchProperties } from './description';
import { startWatch } from './execute';

/**
 * The health watch: probes the stack on its own schedule and starts the
 * workflow only for transitions (down / reminder / recovered).
 *
 * Why a trigger and not Schedule Trigger → RAG Health Check: hysteresis needs
 * every check of a target seen in order by one writer. In queue mode an
 * action node runs on whichever worker takes the job, and n8n gives it a copy
 * of the workflow without static data; in any mode overlapping executions
 * overwrite each other's static data. A trigger node runs only on the main
 * (leader) instance, here one sweep at a time, and keeps its state in memory
 * (see watchState.ts for what is persisted and when). docs/scaling.md has the
 * n8n behaviour this rests on.
 */
export class RagHealthWatchTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'RAG Health Watch Trigger',
		name: 'ragHealthWatchTrigger',
		icon: { light: 'file:ragHealthWatchTrigger.svg', dark: 'file:ragHealthWatchTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{($parameter["targets"]["target"] || []).length + " targets"}}',
		description: 'Probe RAG services on a schedule and start the workflow only when a target goes down, stays down or recovers',
		eventTriggerDescription: '',
		defaults: { name: 'RAG Health Watch' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: CREDENTIAL_TYPE, required: true, displayOptions: { show: { authentication: ['ragServiceApi'] } } },
			{ name: PUSHGATEWAY_CREDENTIAL_TYPE, required: true, displayOptions: { show: { pushMetrics: [true] } } },
		],
		properties: watchProperties,
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		return await startWatch(this);
	}
}
