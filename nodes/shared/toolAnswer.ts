import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

/**
 * What a node returns when an AI Agent calls it as a tool. n8n 2.40 hands the
 * agent only output 0 (n8n-core's tool invocation maps `result[0]` to the
 * tool's answer), so a healthy target on the OK output of the Health Check
 * reached the agent as `[]`. n8n's own built-in nodes avoid the problem by
 * never offering a multi-output node as a tool; ours adapt instead
 * (`isToolExecution()`): every output's items go to output 0, each compacted
 * and labelled with the output it would have taken.
 */
export function toolAnswer(
	ctx: IExecuteFunctions,
	outputs: INodeExecutionData[][],
	outputNames: string[],
	compact: (json: IDataObject) => IDataObject,
): INodeExecutionData[][] {
	if (!ctx.isToolExecution?.()) return outputs;
	const merged = outputs.flatMap((items, i) =>
		items.map((item) => ({ json: { output: outputNames[i] ?? String(i), ...compact(item.json) }, pairedItem: item.pairedItem })),
	);
	return [merged, ...outputs.slice(1).map(() => [])];
}

/** The fields of `json` that are set, in the order given (a compact answer drops nulls and bulky detail). */
export function pick(json: IDataObject, keys: string[]): IDataObject {
	const out: IDataObject = {};
	for (const key of keys) {
		const value = json[key];
		if (value !== undefined && value !== null && value !== '') out[key] = value;
	}
	return out;
}
