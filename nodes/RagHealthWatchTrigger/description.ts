import type { INodeProperties } from 'n8n-workflow';

import { watchDescription } from '../RagHealthCheck/description';
import { pushMetricsProperties } from '../shared/pushgateway';
import { intervalProperty } from './interval';

/**
 * The parameters of RAG Health Watch Trigger: its notice and interval, then
 * RAG Health Check's target and condition fields (with the watch's hysteresis
 * options), then Push Metrics.
 */
export const watchProperties: INodeProperties[] = [
	{
		displayName:
			'Runs on the n8n main instance, one sweep at a time, so its state holds in queue mode and across restarts. Items come out only on transitions: "down" after N failed checks in a row, "reminder" while down, "recovered" after M passing ones.',
		name: 'watchNotice',
		type: 'notice',
		default: '',
	},
	intervalProperty,
	...watchDescription,
	...pushMetricsProperties,
];
