// Checks a workflow node's parameters against its node type description the
// way n8n reads them: n8n-workflow's NodeHelpers.getNodeParameters (what n8n
// keeps), getNodeParametersIssues (required values) and the offered option
// values. Shared by the unit test (descriptions from the classes and the n8n
// install) and the e2e test (descriptions served by the running n8n).
import { isDeepStrictEqual } from 'node:util';

import {
	NodeHelpers,
	type INode,
	type INodeParameters,
	type INodeProperties,
	type INodePropertyCollection,
	type INodeTypeDescription,
} from 'n8n-workflow';

import type { WorkflowNode } from './workflowFiles';

export function asINode(node: WorkflowNode, parameters: INodeParameters = node.parameters as INodeParameters): INode {
	return { ...node, parameters } as unknown as INode;
}

type Path = Array<string | number>;

/** Leaf values of a parameter object: primitives, primitive arrays, empty objects/arrays. */
export function leaves(value: unknown, path: Path = []): Array<[Path, unknown]> {
	if (Array.isArray(value)) {
		if (value.length === 0 || value.every((v) => v === null || typeof v !== 'object')) return [[path, value]];
		return value.flatMap((v, i) => leaves(v, [...path, i]));
	}
	if (value !== null && typeof value === 'object') {
		const entries = Object.entries(value);
		if (entries.length === 0) return [[path, value]];
		return entries.flatMap(([k, v]) => leaves(v, [...path, k]));
	}
	return [[path, value]];
}

export function at(value: unknown, path: Path): unknown {
	return path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key as string] : undefined), value);
}

const isExpression = (v: unknown) => typeof v === 'string' && v.startsWith('=');

/**
 * Options parameters whose description lists no options (so the editor offers
 * nothing to pick), mapped to a parameter of the same node that lists the same
 * choices. RAG Health Check's per-target "Preset" has no `options` while its
 * "From Input Items" twin `targetPreset` has them (nodes/RagHealthCheck/description.ts).
 */
const OPTIONS_DEFECTS: Record<string, string> = {
	'n8n-nodes-ragops.ragHealthCheck preset': 'targetPreset',
};
const warned = new Set<string>();

/** Option values that are not among a displayed options parameter's choices. */
function optionProblems(
	properties: INodeProperties[],
	root: INodeParameters,
	path: string,
	node: INode,
	description: INodeTypeDescription,
): string[] {
	const here = (path ? at(root, path.split(/\.|\[|\]/).filter(Boolean)) : root) as Record<string, unknown> | undefined;
	if (!here || typeof here !== 'object') return [];
	const problems: string[] = [];
	for (const prop of properties) {
		if (!NodeHelpers.displayParameterPath(root, prop, path, node, description)) continue;
		const value = here[prop.name];
		const where = path ? `${path}.${prop.name}` : prop.name;
		if (value === undefined || isExpression(value)) continue;
		const dynamic = prop.typeOptions?.loadOptionsMethod !== undefined || prop.typeOptions?.loadOptions !== undefined;
		if ((prop.type === 'options' || prop.type === 'multiOptions') && !dynamic) {
			let choices = (prop.options ?? []) as Array<{ value?: unknown }>;
			const stand = choices.length === 0 ? OPTIONS_DEFECTS[`${node.type} ${prop.name}`] : undefined;
			if (stand) {
				// Known description defect (reported, not ours to fix): check against the sibling parameter that has the list.
				if (!warned.has(`${node.type} ${prop.name}`)) {
					warned.add(`${node.type} ${prop.name}`);
					console.warn(`${node.type}: "${prop.displayName}" has no options in its description; its values are checked against "${stand}" instead`);
				}
				choices = (description.properties.find((p) => p.name === stand)?.options ?? []) as Array<{ value?: unknown }>;
			}
			const values = prop.type === 'multiOptions' && Array.isArray(value) ? value : [value];
			if (choices.length === 0) {
				problems.push(`${where}: "${prop.displayName}" is an options parameter with no options to choose from (value ${JSON.stringify(value)})`);
				continue;
			}
			for (const v of values) {
				if (!choices.some((c) => c.value === v)) {
					problems.push(`${where}: ${JSON.stringify(v)} is not one of ${choices.map((c) => JSON.stringify(c.value)).join(', ')}`);
				}
			}
		}
		if (prop.type === 'collection' && prop.options) {
			problems.push(...optionProblems(prop.options as INodeProperties[], root, where, node, description));
		}
		if (prop.type === 'fixedCollection' && prop.options && value && typeof value === 'object') {
			for (const group of prop.options as INodePropertyCollection[]) {
				const entries = (value as Record<string, unknown>)[group.name];
				if (entries === undefined) continue;
				const list = Array.isArray(entries) ? entries : [entries];
				list.forEach((_entry, i) => {
					const entryPath = Array.isArray(entries) ? `${where}.${group.name}[${i}]` : `${where}.${group.name}`;
					problems.push(...optionProblems(group.values, root, entryPath, node, description));
				});
			}
		}
	}
	return problems;
}

/**
 * What n8n would object to in a node's parameters: values it drops (unknown,
 * misspelt, or not shown with the node's other settings), missing required
 * ones, option values that are not offered.
 */
export function parameterProblems(node: WorkflowNode, description: INodeTypeDescription): string[] {
	const resolved = NodeHelpers.getNodeParameters(
		description.properties,
		node.parameters as INodeParameters,
		true,
		false,
		asINode(node),
		description,
	);
	if (!resolved) return ['NodeHelpers.getNodeParameters returned null'];
	const problems: string[] = [];
	for (const [path, value] of leaves(node.parameters)) {
		const kept = at(resolved, path);
		// An empty collection may come back with its defaults filled in.
		const emptyObject = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
		if (emptyObject ? kept === null || typeof kept !== 'object' : !isDeepStrictEqual(kept, value)) {
			problems.push(`${path.join('.')}: ${JSON.stringify(value)} is not kept by n8n (got ${JSON.stringify(kept)}): unknown, misspelt or not shown with these settings`);
		}
	}
	const issues = NodeHelpers.getNodeParametersIssues(description.properties, asINode(node, resolved), description);
	if (issues) problems.push(...NodeHelpers.nodeIssuesToString(issues, asINode(node, resolved)));
	problems.push(...optionProblems(description.properties, resolved, '', asINode(node, resolved), description));
	return problems;
}

