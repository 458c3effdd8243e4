import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType } from 'n8n-workflow';

import { runNode } from '../../support/nodeHarness';

/** Test-only node: reads the input item's binary and writes a new binary, through n8n-core's binary helpers. */
class BinaryEcho implements INodeType {
	description = {
		displayName: 'Binary Echo',
		name: 'binaryEcho',
		group: ['transform'],
		version: 1,
		description: 'Test node for binary data in the harness',
		defaults: { name: 'Binary Echo' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	} as INodeType['description'];

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const input = await this.helpers.getBinaryDataBuffer(0, 'data');
		const data = await this.helpers.prepareBinaryData(
			Buffer.from(`echo:${input.toString()}`),
			'echo.txt',
			'text/plain',
		);
		return [[{ json: { inputText: input.toString() }, binary: { data }, pairedItem: { item: 0 } }]];
	}
}

describe('nodeHarness binary data', () => {
	it('gives the node the real binary helpers (in-memory mode)', async () => {
		const run = await runNode({
			node: new BinaryEcho(),
			inputItems: [
				{ json: {}, binary: { data: { data: Buffer.from('snapshot').toString('base64'), mimeType: 'text/plain' } } },
			],
		});
		expect(run.error).toBeUndefined();
		const [item] = run.outputs[0];
		expect(item.json.inputText).toBe('snapshot');
		expect(item.binary?.data).toMatchObject({ fileName: 'echo.txt', mimeType: 'text/plain', bytes: 13 });
		expect(Buffer.from(item.binary!.data.data, 'base64').toString()).toBe('echo:snapshot');
	});
});
