import {
	NodeOperationError,
	type CronExpression,
	type INodeExecutionData,
	type ITriggerFunctions,
	type ITriggerResponse,
} from 'n8n-workflow';

import { readSettings, type HealthSettings } from '../RagHealthCheck/settings';
import { checkAll, pushAll, pushInterval, settleInstant, settleWithHistory, sweepItems } from '../RagHealthCheck/sweep';
import { requestFor } from '../RagHealthCheck/transport';
import { cronFor, INTERVALS } from './interval';
import { loadWatchState, saveWatchState } from './watchState';

const MANUAL_NOTICE =
	'Test run: one sweep, every target shown with what is true right now. When the workflow is published, the watch checks on its schedule and starts the workflow only when a target goes down, stays down (reminders) or recovers.';

/**
 * What n8n runs when the watch is activated: a manual (test) run is one sweep
 * without memory; otherwise a sweep per cron tick, never overlapping, settled
 * against the targets' history, emitting only transitions.
 */
export async function startWatch(ctx: ITriggerFunctions): Promise<ITriggerResponse> {
	const node = ctx.getNode();
	const settings: HealthSettings = readSettings(node, (name, _itemIndex, fallback) => ctx.getNodeParameter(name, fallback), 0, false);
	const request = requestFor(settings.authenticate, ctx.helpers, ctx);

	if (ctx.getMode() === 'manual') {
		// A test run from the editor: one sweep without touching the watch's memory.
		const manualTriggerFunction = async () => {
			const now = Date.now();
			const results = await checkAll(settings, request);
			const settled = settleInstant(settings, results, now);
			const pushes = await pushAll(ctx, settings, results, settled, now);
			const { alert, ok } = sweepItems(settings, results, settled, pushes, now, MANUAL_NOTICE);
			ctx.emit([[...alert, ...ok]]);
		};
		return { manualTriggerFunction };
	}

	const seconds = Number(ctx.getNodeParameter('interval', 30));
	if (!INTERVALS.includes(seconds)) {
		throw new NodeOperationError(node, `Check Every: ${seconds} s is not one of the offered intervals`, {
			description: 'Pick an interval from the list (5 s to 1 h).',
		});
	}
	const store = ctx.getWorkflowStaticData('node');
	const record = loadWatchState(store);
	saveWatchState(store, record); // saved by n8n right after activation
	const workflowId = ctx.getWorkflow().id ?? '';
	let running = false;
	let closed = false;
	let lastError = '';

	const sweep = async (scheduled: Date) => {
		const now = Date.now();
		const results = await checkAll(settings, request);
		if (closed) return;
		const settled = settleWithHistory(settings, results, record.states, now);
		const pushes = await pushAll(ctx, settings, results, settled, now, seconds);
		const { alert } = sweepItems(settings, results, settled, pushes, now);
		record.sweeps += 1;
		record.lastSweepAt = now;
		// Right before emit, in the same turn: n8n saves static data when an execution is emitted.
		saveWatchState(store, record);
		if (alert.length > 0 && !closed) {
			// One execution per tick at most: a tick fired twice (e.g. two mains
			// during a leader hand-over) is dropped by n8n's unique index.
			ctx.emit([alert as INodeExecutionData[]], undefined, undefined, `ragops-health:${workflowId}:${node.id}:${scheduled.getTime()}`);
		}
		lastError = '';
	};

	// Announce the interval now, not at the first tick: after an edit in the
	// editor that tick may be a whole new interval away (interval.ts).
	// A failure here only delays that until the first sweep, which reports its own.
	try {
		const warning = (await pushInterval(ctx, settings, seconds)).find((o) => o.warning)?.warning;
		if (warning) ctx.logger.warn(`RAG Health Watch "${node.name}": ${warning}`);
	} catch (error) {
		ctx.logger.warn(`RAG Health Watch "${node.name}": interval not pushed at activation: ${(error as Error).message}`);
	}

	ctx.helpers.registerCron({ expression: cronFor(seconds) as CronExpression }, (scheduled) => {
		if (closed) return;
		if (running) {
			// Checks of one target must be seen in order: skip, never overlap.
			record.skippedTicks += 1;
			ctx.logger.warn(`RAG Health Watch "${node.name}": previous sweep still running, tick skipped (${record.skippedTicks} so far); consider a longer interval or shorter timeouts`);
			return;
		}
		running = true;
		sweep(scheduled)
			.catch((error: Error) => {
				// Record a failed execution once per distinct problem, not on every tick.
				if (error.message !== lastError) {
					lastError = error.message;
					ctx.saveFailedExecution(
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
