import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { pick, toolAnswer } from '../shared/toolAnswer';
import { readSettings } from './settings';
import { explainSuppressed } from './suppression';
import { checkAll, pushAll, settleInstant, sweepItems } from './sweep';
import { requestFor } from './transport';

/**
 * What n8n runs for RAG Health Check: one sweep over every target, settled
 * without history (each item says what is true now), pushed, and split into
 * the Alert and OK outputs.
 */
export async function executeSweep(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const now = Date.now();
	const settings = readSettings(
		ctx.getNode(),
		(name, itemIndex, fallback) => ctx.getNodeParameter(name, itemIndex, fallback),
		items.length,
		ctx.continueOnFail(),
	);
	const request = requestFor(settings.authenticate, ctx.helpers, ctx);
	const results = await checkAll(settings, request, ctx.getExecutionCancelSignal?.());
	const settled = settleInstant(settings, results, now);
	const pushes = await pushAll(ctx, settings, results, settled, now);
	const { alert, ok } = sweepItems(settings, results, settled, pushes, now);
	explainSuppressed([...alert, ...ok]);
	// As an AI tool, every target in one compact list (n8n hands an agent only output 0).
	return toolAnswer(ctx, [alert, ok], ['Alert', 'OK'], (json) =>
		pick(json, ['target', 'status', 'state', 'event', 'critical', 'message', 'statusCode', 'responseTimeMs', 'url', 'alert', 'error', 'warnings']),
	);
}
