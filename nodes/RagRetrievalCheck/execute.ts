import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import { loadCases, parseBaseline } from './loadCases';
import { pushRun, runItems, toolItems, type RunOutput } from './output';
import { runCases, summarize } from './run';
import { readSettings } from './settings';
import { requestFor } from './transport';
import { verdictOf } from './verdict';

/**
 * One execution = one run of the golden set (node-wide settings from item 0;
 * with "From Input Items" every item is a case). Configuration errors throw
 * NodeOperationError; with "Continue On Fail" they, and invalid cases, leave
 * by the Fail output as error items instead.
 */
export async function executeRun(ctx: IExecuteFunctions): Promise<RunOutput> {
	const items = ctx.getInputData();
	const now = Date.now();
	// n8n names a node's AI-tool variant `<name>Tool` (convertNodeToAiTool) and gives the agent output 0 only.
	const asTool = ctx.getNode().type.endsWith('Tool');
	try {
		const settings = readSettings(ctx.getNode(), (name, i, fallback) => ctx.getNodeParameter(name, i, fallback));
		const request = requestFor(ctx, settings.authenticate);
		const loaded = await loadCases(ctx, settings, request, items);
		const first = loaded.problems[0];
		if (first && !ctx.continueOnFail()) {
			const more = loaded.problems.slice(1, 10).map((p) => p.message);
			throw new NodeOperationError(ctx.getNode(), first.message, {
				itemIndex: first.itemIndex,
				description: `${loaded.problems.length} invalid case(s). ${more.length ? `Also: ${more.join(' | ')}. ` : ''}Fix them (docs/nodes/rag-retrieval-check.md lists the fields), or turn on "Continue On Fail" to run the valid ones.`,
			});
		}
		if (loaded.planned.length === 0 && loaded.problems.length === 0) {
			throw new NodeOperationError(ctx.getNode(), 'No golden cases to run', {
				itemIndex: 0,
				description:
					settings.caseSource === 'items'
						? 'Feed at least one input item holding a case (a "query", and usually "expected" IDs).'
						: settings.caseSource === 'file'
							? 'The case file holds no cases: add at least one.'
							: 'Add at least one case under "Cases" (a query, and usually expected IDs).',
			});
		}
		const baseline = parseBaseline(ctx.getNodeParameter('baseline', 0, ''));
		if (!(baseline instanceof Map)) {
			throw new NodeOperationError(ctx.getNode(), `Baseline: ${baseline.error}`, {
				itemIndex: 0,
				description: 'Pass the "baseline" field of an accepted run\'s output (for example {{ $json.baseline }} from where you stored it), or leave Baseline empty.',
			});
		}
		const runs = await runCases(request, settings, loaded.planned, baseline, ctx.getExecutionCancelSignal?.());
		const summary = summarize(runs);
		const verdict = verdictOf(settings.thresholds, summary.values, summary.answered);
		const pushed = await pushRun(ctx, settings, summary, verdict, now);
		const out = runItems(settings, loaded, runs, summary, verdict, pushed, now, items.length);
		return asTool ? toolItems(out) : out;
	} catch (error) {
		if (!ctx.continueOnFail()) {
			// Keeps a NodeOperationError as is (message, description, item index); wraps anything else.
			throw error instanceof NodeOperationError ? error : new NodeOperationError(ctx.getNode(), error as Error, { itemIndex: 0 });
		}
		const item = { json: { status: 'fail', error: (error as Error).message }, pairedItem: { item: 0 } };
		return asTool ? { pass: [item], fail: [] } : { pass: [], fail: [item] };
	}
}
