// The shipped workflows (workflows/*.json) and the node type descriptions they
// are checked against: this package's nodes from their classes, n8n's
// built-in nodes from the installed n8n (n8n-nodes-base/dist/types/nodes.json,
// the file the editor itself serves as /types/nodes.json).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INodeTypeDescription } from 'n8n-workflow';

import { ensureN8n, repoRoot } from '../../../testbed/n8n/paths';
import type { WorkflowNode } from '../../../testbed/stack/workflows';

export const workflowsDir = join(repoRoot, 'workflows');

export type { WorkflowNode };

export interface Connection {
	node: string;
	type: string;
	index: number;
}

export interface WorkflowFile {
	id: string;
	name: string;
	nodes: WorkflowNode[];
	connections: Record<string, Record<string, Array<Connection[] | null>>>;
	settings: Record<string, unknown>;
	active: boolean;
	pinData: Record<string, unknown>;
	[key: string]: unknown;
}

/** The workflows every test expects, by file name. */
export const EXPECTED_FILES = [
	'error-handler.json',
	'feed-ingestion.json',
	'freshness-watch.json',
	'health-watch.json',
	'nightly-ingestion.json',
	'qdrant-backup.json',
	'repo-ingestion.json',
	'retrieval-canary.json',
];

export const ERROR_HANDLER_FILE = 'error-handler.json';

export function workflowFileNames(): string[] {
	return readdirSync(workflowsDir)
		.filter((f) => f.endsWith('.json'))
		.sort();
}

export function readWorkflowText(file: string): string {
	return readFileSync(join(workflowsDir, file), 'utf8');
}

export function readWorkflow(file: string): WorkflowFile {
	return JSON.parse(readWorkflowText(file)) as WorkflowFile;
}

export const PACKAGE_PREFIX = 'n8n-nodes-ragops.';
export const BASE_PREFIX = 'n8n-nodes-base.';

/**
 * This package's node descriptions, by description `name`, loaded from the
 * classes that package.json's `n8n.nodes` lists (dist/nodes/X/X.node.js ->
 * nodes/X/X.node.ts, class X).
 */
export function packageNodeDescriptions(): Map<string, INodeTypeDescription> {
	const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { n8n: { nodes: string[] } };
	const out = new Map<string, INodeTypeDescription>();
	for (const entry of pkg.n8n.nodes) {
		const m = /^dist\/nodes\/([^/]+)\/([^/]+)\.node\.js$/.exec(entry);
		if (!m) throw new Error(`Unexpected n8n.nodes entry ${entry}`);
		// A build artefact someone left in dist/ (the build registers whatever dist/ holds) has no source here: not ours to check.
		if (!existsSync(join(repoRoot, 'nodes', m[1], `${m[2]}.node.ts`))) continue;
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const mod = require(join(repoRoot, 'nodes', m[1], `${m[2]}.node`)) as Record<string, new () => { description: INodeTypeDescription }>;
		const Cls = mod[m[2]];
		if (!Cls) throw new Error(`${entry}: nodes/${m[1]}/${m[2]}.node.ts does not export class ${m[2]}`);
		const description = new Cls().description;
		out.set(description.name, description);
	}
	return out;
}

export interface BuiltinNodes {
	/** Every description of a built-in node, by name (one per version set). */
	byName: Map<string, INodeTypeDescription[]>;
	/** The installed n8n's version, for messages. */
	n8nVersion: string;
}

/**
 * n8n-nodes-base's node descriptions from the n8n install the test bed uses,
 * or the reason they are not available (n8n not installed).
 */
export function builtinNodeDescriptions(): BuiltinNodes | { missing: string } {
	let n8nDir: string;
	let n8nVersion: string;
	try {
		({ n8nDir, n8nVersion } = ensureN8n());
	} catch (error) {
		return { missing: (error as Error).message };
	}
	const file = join(n8nDir, 'node_modules', 'n8n-nodes-base', 'dist', 'types', 'nodes.json');
	if (!existsSync(file)) return { missing: `${file} does not exist` };
	const list = JSON.parse(readFileSync(file, 'utf8')) as INodeTypeDescription[];
	const byName = new Map<string, INodeTypeDescription[]>();
	for (const d of list) byName.set(d.name, [...(byName.get(d.name) ?? []), d]);
	return { byName, n8nVersion };
}

export function versionsOf(description: INodeTypeDescription): number[] {
	return Array.isArray(description.version) ? description.version : [description.version];
}

/** The description that covers one typeVersion. */
export function descriptionFor(candidates: INodeTypeDescription[], typeVersion: number): INodeTypeDescription | undefined {
	return candidates.find((d) => versionsOf(d).includes(typeVersion));
}

/** The version the editor puts on a new node: `defaultVersion`, else the highest. */
export function currentVersion(candidates: INodeTypeDescription[]): number {
	const declared = candidates.find((d) => d.defaultVersion !== undefined)?.defaultVersion;
	return declared ?? Math.max(...candidates.flatMap(versionsOf));
}
