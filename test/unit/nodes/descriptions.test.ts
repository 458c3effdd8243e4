/**
 * Every node's UI must be usable as n8n renders it: an options field with no
 * options (or a default that is not one of them) leaves the user nothing to
 * pick and fails at run time. Checked over every property, at any depth
 * (collections and fixed collections included), for every node we ship.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { INodeProperties, INodePropertyCollection, INodePropertyOptions, INodeType } from 'n8n-workflow';

const nodesDir = join(__dirname, '../../../nodes');
const nodeTypes: Array<[string, INodeType]> = readdirSync(nodesDir)
	.filter((dir) => dir !== 'shared')
	.map((dir) => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const mod = require(join(nodesDir, dir, `${dir}.node.ts`)) as Record<string, new () => INodeType>;
		return [dir, new mod[dir]()];
	});

type Found = { path: string; prop: INodeProperties };

function walk(props: INodeProperties[], path: string, out: Found[]): Found[] {
	for (const prop of props) {
		const here = `${path}.${prop.name}`;
		out.push({ path: here, prop });
		for (const option of prop.options ?? []) {
			if ('values' in option) walk((option as INodePropertyCollection).values, `${here}.${option.name}`, out);
			else if ('type' in option) walk([option as INodeProperties], here, out);
		}
	}
	return out;
}

describe.each(nodeTypes)('%s description', (_name, node) => {
	const all = walk(node.description.properties, node.description.name, []);

	it('has at least one property', () => {
		expect(all.length).toBeGreaterThan(0);
	});

	it('gives every options field options, and a default among them', () => {
		const problems: string[] = [];
		for (const { path, prop } of all) {
			if (prop.type !== 'options' && prop.type !== 'multiOptions') continue;
			if (prop.typeOptions?.loadOptionsMethod) continue;
			const values = ((prop.options ?? []) as INodePropertyOptions[]).map((o) => o.value);
			if (values.length === 0) problems.push(`${path}: no options to pick`);
			const defaults = prop.type === 'multiOptions' ? (prop.default as unknown[]) : [prop.default];
			for (const d of defaults) {
				if (typeof d === 'string' && d.startsWith('=')) continue;
				if (!values.includes(d as string)) problems.push(`${path}: default ${JSON.stringify(d)} is not an option`);
			}
		}
		expect(problems).toEqual([]);
	});

	it('names every property uniquely among its siblings', () => {
		const seen = new Map<string, number>();
		for (const { path, prop } of all) {
			const key = `${path}|${JSON.stringify(prop.displayOptions ?? {})}`;
			seen.set(key, (seen.get(key) ?? 0) + 1);
		}
		expect([...seen].filter(([, n]) => n > 1).map(([k]) => k)).toEqual([]);
	});
});
