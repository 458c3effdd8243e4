/**
 * The parameter panels as n8n's editor renders them (issue 14): which fields
 * a user sees, in which order, for which choice, evaluated with n8n-workflow's
 * own display rules (NodeHelpers.displayParameter, the function the editor's
 * parameter list uses, including the `@tool` rule of a node's AI-tool variant).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { NodeHelpers, Workflow, type INode, type INodeParameters, type INodeProperties, type INodeType, type INodeTypeDescription, type INodeTypes } from 'n8n-workflow';

import { QdrantBackup } from '../../../nodes/QdrantBackup/QdrantBackup.node';
import { RagFreshnessCheck } from '../../../nodes/RagFreshnessCheck/RagFreshnessCheck.node';
import { RagHealthCheck } from '../../../nodes/RagHealthCheck/RagHealthCheck.node';
import { RagIngestion } from '../../../nodes/RagIngestion/RagIngestion.node';

const nodesDir = join(__dirname, '../../../nodes');
const nodeTypes: Array<[string, INodeType]> = readdirSync(nodesDir)
	.filter((dir) => dir !== 'shared')
	.map((dir) => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const mod = require(join(nodesDir, dir, `${dir}.node.ts`)) as Record<string, new () => INodeType>;
		return [dir, new mod[dir]()];
	});

function walk(props: INodeProperties[], out: INodeProperties[] = []): INodeProperties[] {
	for (const prop of props) {
		out.push(prop);
		for (const option of prop.options ?? []) {
			if ('values' in option) walk(option.values, out);
			else if ('type' in option) walk([option as INodeProperties], out);
		}
	}
	return out;
}

/** Display names of a fixed collection's fields the editor shows for one entry's values. */
function shown(fields: INodeProperties[], values: INodeParameters, description?: INodeTypeDescription): string[] {
	const withDefaults = { ...Object.fromEntries(fields.map((f) => [f.name, f.default])), ...values } as INodeParameters;
	return fields.filter((f) => NodeHelpers.displayParameter(withDefaults, f, null, description ?? null)).map((f) => f.displayName);
}

function collectionFields(node: INodeType, collection: string, entry: string): INodeProperties[] {
	const prop = node.description.properties.find((p) => p.name === collection)!;
	const option = prop.options!.find((o) => o.name === entry) as { values: INodeProperties[] };
	return option.values;
}

const health = new RagHealthCheck();

/** Fields whose values are fractions although their default is 0 (ratio levels such as recall 0.8). */
const FRACTION_FIELDS = new Set(['ragRetrievalCheck.fail', 'ragRetrievalCheck.warn']);

describe.each(nodeTypes)('%s panel', (_name, node) => {
	test('whole-number fields show whole numbers (numberPrecision only where the value is a fraction)', () => {
		const fractional = (v: unknown) => typeof v === 'number' && !Number.isInteger(v);
		const wholeWithPrecision = walk(node.description.properties).filter(
			(p) =>
				p.typeOptions?.numberPrecision !== undefined &&
				!fractional(p.default) &&
				!fractional(p.typeOptions.minValue) &&
				!fractional(p.typeOptions.maxValue) &&
				!FRACTION_FIELDS.has(`${node.description.name}.${p.name}`),
		);
		expect(wholeWithPrecision.map((p) => p.name)).toEqual([]);
	});

	test('an untouched JSON field holds valid JSON (no error marker before the user types)', () => {
		for (const p of walk(node.description.properties).filter((p) => p.type === 'json')) {
			expect({ field: p.name, parses: (() => { try { JSON.parse(String(p.default)); return true; } catch { return false; } })() }).toEqual({ field: p.name, parses: true });
		}
	});

	test('as an AI tool it has a description of its own (not the workflow text)', () => {
		const d = node.description;
		if (d.group.includes('trigger')) return expect(d.usableAsTool).toBeUndefined();
		const tool = d.usableAsTool as { replacements?: { description?: string } };
		expect(typeof tool.replacements?.description).toBe('string');
		expect(tool.replacements!.description).not.toBe(d.description);
	});
});

describe('RAG Health Check', () => {
	const target = collectionFields(health, 'targets', 'target');

	test('a target reads URL → Preset → Name → Critical, and Qdrant Collection shows for the Qdrant preset only', () => {
		expect(shown(target, { preset: 'ragApi' }).slice(0, 4)).toEqual(['URL', 'Preset', 'Name', 'Critical']);
		expect(shown(target, { preset: 'ragApi' })).not.toContain('Qdrant Collection');
		expect(shown(target, { preset: 'qdrant' })).toContain('Qdrant Collection');
		expect(target.find((f) => f.name === 'timeout')?.hint).toMatch(/^0 uses/);
	});

	test('a condition starts with its Type and shows only the fields of that type', () => {
		const condition = collectionFields(health, 'conditions', 'condition');
		expect(condition[0]!.displayName).toBe('Type');
		expect(shown(condition, { type: 'statusCode' })).toEqual(['Type', 'Status Codes', 'When Not Met', 'Apply To Targets']);
		expect(shown(condition, { type: 'jsonPath', operator: 'eq' })).toEqual(['Type', 'JSON Path', 'Operator', 'Value', 'Compare Length', 'When Not Met', 'Apply To Targets']);
		expect(shown(condition, { type: 'jsonPath', operator: 'exists' })).toEqual(['Type', 'JSON Path', 'Operator', 'When Not Met', 'Apply To Targets']);
		expect(shown(condition, { type: 'bodyContains' })).toEqual(['Type', 'Value', 'When Not Met', 'Apply To Targets']);
		expect(shown(condition, { type: 'responseTime' })).toEqual(['Type', 'Warn Above (Ms)', 'Fail Above (Ms)', 'Apply To Targets']);
		expect(shown(condition, { type: 'timestampAge' })).toEqual(['Type', 'JSON Path', 'Warn Above (Seconds)', 'Fail Above (Seconds)', 'Apply To Targets']);
	});

	test('a maintenance window lists Start before End', () => {
		expect(collectionFields(health, 'maintenance', 'window').map((f) => f.displayName)).toEqual(['Start', 'End', 'Days', 'Time Zone', 'Targets']);
	});
});

describe('Qdrant Backup as an AI tool', () => {
	const backup = new QdrantBackup();
	const operations = (tool: boolean, resource: string) => {
		// The editor shows the tool variant of a node type under the name `<name>Tool` (n8n's convertNodeToAiTool).
		const description = { ...backup.description, name: tool ? `${backup.description.name}Tool` : backup.description.name };
		const params = { resource } as INodeParameters;
		return backup.description.properties
			.filter((p) => p.name === 'operation' && NodeHelpers.displayParameter(params, p, null, description))
			.flatMap((p) => (p.options ?? []).map((o) => ('value' in o ? o.value : '')));
	};

	test('offers no delete, restore or retention to an agent; the workflow node keeps them all', () => {
		expect(operations(true, 'collection')).toEqual(['create', 'download', 'list', 'verify']);
		expect(operations(true, 'storage')).toEqual(['create', 'download', 'list', 'verify']);
		expect(operations(false, 'collection')).toEqual(['applyRetention', 'create', 'delete', 'download', 'list', 'restore', 'verify']);
		expect(operations(false, 'storage')).toEqual(['applyRetention', 'create', 'delete', 'download', 'list', 'verify']);
	});
});

/** The subtitle under a node on the canvas, evaluated by n8n-workflow's expression engine as the editor does. */
async function subtitle(node: INodeType, parameters: INodeParameters): Promise<unknown> {
	const n: INode = { id: '1', name: 'N', type: `n8n-nodes-ragops.${node.description.name}`, typeVersion: 1, position: [0, 0], parameters };
	const nodeTypes = { getByName: () => node, getByNameAndVersion: () => node, getKnownTypes: () => ({}) } as unknown as INodeTypes;
	const workflow = new Workflow({ nodes: [n], connections: {}, active: false, nodeTypes });
	const expression = workflow.expression as unknown as { acquireIsolate?(): Promise<void>; releaseIsolate?(): Promise<void> };
	await expression.acquireIsolate?.();
	try {
		return workflow.expression.getSimpleParameterValue(n, node.description.subtitle as string, 'internal', {});
	} finally {
		await expression.releaseIsolate?.();
	}
}

describe('subtitles read as words', () => {
	test.each([
		[new RagHealthCheck(), { targetSource: 'list', targets: { target: [{ url: 'a' }] } }, '1 target'],
		[new RagHealthCheck(), { targetSource: 'list', targets: { target: [{ url: 'a' }, { url: 'b' }] } }, '2 targets'],
		[new RagHealthCheck(), { targetSource: 'items' }, 'one target per input item'],
		[new QdrantBackup(), { resource: 'collection', operation: 'applyRetention', collection: 'docs' }, 'Apply retention · docs'],
		[new QdrantBackup(), { resource: 'storage', operation: 'create' }, 'Create snapshot · full storage'],
		[new RagFreshnessCheck(), { manifestName: 'docs', source: 'url' }, 'docs manifest · from URL'],
		[new RagIngestion(), { mode: 'incremental', source: 'docs' }, 'Incremental ingestion of docs'],
	] as Array<[INodeType, INodeParameters, string]>)('%# %s', async (node, parameters, expected) => {
		expect(await subtitle(node, parameters)).toBe(expected);
	});
});
