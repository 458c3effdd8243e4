import {
	NodeConnectionTypes,
	NodeOperationError,
	type CronExpression,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type ITriggerFunctions,
	type ITriggerResponse,
} from 'n8n-workflow';

import { PUSHGATEWAY_CREDENTIAL_TYPE, pushMetricsProperties } from '../shared/pushgateway';
import { watchDescription } from '../RagHealthCheck/description';
import { readSettings, type HealthSettings } from '../RagHealthCheck/settings';
import { checkAll, pushAll, settleInstant, settleWithHistory, sweepItems } from '../RagHealthCheck/sweep';
import { CREDENTIAL_TYPE, requestFor } from '../RagHealthCheck/transport';
import { intervalProperty, cronFor, INTERVALS } from './interval';
import { loadWatchState, saveWatchState } from './watchState';

const MANUAL_NOTICE =
	'Test run: one sweep, every target shown with what is true right now. When the workflow is published, the watch checks on its schedule and starts the workflow only when a target goes down, stays down (reminders) or recovers.';

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
		properties: [
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
		],
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		const node = this.getNode();
		const settings: HealthSettings = readSettings(node, (name, _itemIndex, fallback) => this.getNodeParameter(name, fallback), 0, false);
		const request = requestFor(settings.authenticate, this.helpers, this);

		if (this.getMode() === 'manual') {
			// A test run from the editor: one sweep without touching the watch's memory.
			const manualTriggerFunction = async () => {
				const now = Date.now();
				const results = await checkAll(settings, request);
				const settled = settleInstant(settings, results, now);
				const pushes = await pushAll(this, settings, results, settled, now);
				const { alert, ok } = sweepItems(settings, results, settled, pushes, now, MANUAL_NOTICE);
				this.emit([[...alert, ...ok]]);
			};
			return { manualTriggerFunction };
		}

		const seconds = Number(this.getNodeParameter('interval', 30));
		if (!INTERVALS.includes(seconds)) {
			throw new NodeOperationError(node, `Check Every: ${seconds} s is not one of the offered intervals`, {
				description: 'Pick an interval from the list (5 s to 1 h).',
			});
		}
		const store = this.getWorkflowStaticData('node');
		const record = loadWatchState(store);
		saveWatchState(store, record); // saved by n8n right after activation
		const workflowId = this.getWorkflow().id ?? '';
		let running = false;
		let closed = false;
		let lastError = '';

		const sweep = async (scheduled: Date) => {
			const now = Date.now();
			const results = await checkAll(settings, request);
			if (closed) return;
			const settled = settleWithHistory(settings, results, record.states, now);
			const pushes = await pushAll(this, settings, results, settled, now);
			const { alert } = sweepItems(settings, results, settled, pushes, now);
			record.sweeps += 1;
			record.lastSweepAt = now;
			// Right before emit, in the same turn: n8n saves static data when an execution is emitted.
			saveWatchState(store, record);
			if (alert.length > 0 && !closed) {
				// One execution per tick at most: a tick fired twice (e.g. two mains
				// during a leader hand-over) is dropped by n8n's unique index.
				this.emit([alert as INodeExecutionData[]], undefined, undefined, `ragops-health:${workflowId}:${node.id}:${scheduled.getTime()}`);
			}
			lastError = '';
		};

		this.helpers.registerCron({ expression: cronFor(seconds) as CronExpression }, (scheduled) => {
			if (closed) return;
			if (running) {
				// Checks of one target must be seen in order: skip, never overlap.
				record.skippedTicks += 1;
				this.logger.warn(`RAG Health Watch "${node.name}": previous sweep still running, tick skipped (${record.skippedTicks} so far); consider a longer interval or shorter timeouts`);
				return;
			}
			running = true;
			sweep(scheduled)
				.catch((error: Error) => {
					// Record a failed execution once per distinct problem, not on every tick.
					if (error.message !== lastError) {
						lastError = error.message;
						this.saveFailedExecution(
							new NodeOperationError(node, `Health sweep failed: ${error.message}`, {
								description: (error as NodeOperationError).description ?? 'The watch keeps running and retries on the next tick.',
							}),
						);
					}
				})
				.finally(() => {
					running = false;
				});
		});

		return {
			closeFunction: async () => {
				closed = true;
			},
		};
	}
}
