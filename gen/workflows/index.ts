/**
 * `npm run gen` for the shipped n8n workflows (workflows/*.json).
 *
 * The workflow files stay the hand-designed, importable artefacts; this reads
 * each one, sets the parameters the config owns (gen/workflows/bindings.ts)
 * on the nodes it identifies by type and role, and writes it back in the
 * files' own format (tab-indented JSON, key order kept). So a regenerated
 * file differs from the committed one only where the config changed, and
 * `--check` reports a hand edit of a config-owned parameter with its node,
 * parameter and config path.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RagopsConfig } from '../config/schema';
import type { GeneratedFile, OwnedValue } from '../types';
import { WORKFLOW_BINDINGS, type Owned, type Role, type WorkflowNodeJson } from './bindings';

/** The shipped workflows the generator reads its templates from. */
export const WORKFLOWS_DIR = resolve(__dirname, '../../workflows');

interface WorkflowJson {
	nodes: WorkflowNodeJson[];
	[key: string]: unknown;
}

/** What the config sets in one workflow: node name → parameter → owned value. */
export type OwnedParameters = Map<string, Record<string, Owned>>;

export const serialise = (workflow: unknown) => `${JSON.stringify(workflow, null, '\t')}\n`;

function nodesFor(file: string, wf: WorkflowJson, role: Role): WorkflowNodeJson[] {
	const found = wf.nodes.filter((n) => n.type === role.type && (!role.where || role.where(n.parameters ?? {})));
	if (role.count === 'one' && found.length !== 1) {
		const which = found.length === 0 ? 'has no' : `has ${found.length} (${found.map((n) => `"${n.name}"`).join(', ')}) where it needs exactly one`;
		throw new Error(
			`workflows/${file} ${which} ${role.type} node for its ${role.role}; restore it, or change the role in gen/workflows/bindings.ts`,
		);
	}
	if (found.length === 0) throw new Error(`workflows/${file} has no ${role.type} node for its ${role.role}; restore it, or change gen/workflows/bindings.ts`);
	return found;
}

/** Applies the config to one parsed workflow in place; returns what it set, per node. */
export function applyConfig(file: string, wf: WorkflowJson, config: RagopsConfig): OwnedParameters {
	const roles = WORKFLOW_BINDINGS[file];
	if (!roles) {
		throw new Error(
			`workflows/${file} has no entry in gen/workflows/bindings.ts; add one (an empty list when the config owns none of its parameters)`,
		);
	}
	if (!Array.isArray(wf.nodes)) throw new Error(`workflows/${file} has no nodes list; is it an n8n workflow export?`);
	const owned: OwnedParameters = new Map();
	for (const role of roles) {
		for (const node of nodesFor(file, wf, role)) {
			const set = role.set(config, node);
			for (const [key, { value }] of Object.entries(set)) node.parameters[key] = value;
			owned.set(node.name, { ...owned.get(node.name), ...set });
		}
	}
	return owned;
}

/** The owned parameters as `--check` reads them: by their place in the file, named by node and parameter. */
function ownedValues(wf: WorkflowJson, owned: OwnedParameters): OwnedValue[] {
	return wf.nodes.flatMap((node, i) =>
		Object.entries(owned.get(node.name) ?? {}).map(([key, { value, from }]) => ({
			path: ['nodes', i, 'parameters', key],
			at: `nodes["${node.name}"].parameters.${key}`,
			value,
			from,
		})),
	);
}

export function generateWorkflows(config: RagopsConfig, dir: string = WORKFLOWS_DIR): GeneratedFile[] {
	const files = readdirSync(dir)
		.filter((f) => f.endsWith('.json'))
		.sort();
	return files.map((file) => {
		let wf: WorkflowJson;
		try {
			wf = JSON.parse(readFileSync(join(dir, file), 'utf8')) as WorkflowJson;
		} catch (error) {
			throw new Error(`workflows/${file} cannot be read as JSON (${(error as Error).message})`);
		}
		const owned = applyConfig(file, wf, config);
		return { path: `workflows/${file}`, content: serialise(wf), owned: ownedValues(wf, owned) };
	});
}
