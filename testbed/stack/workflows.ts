/**
 * Makes the shipped workflows (workflows/*.json, written for the compose
 * stack: http://rag-api:8000 …) run against the local stack: compose hosts in
 * every string parameter → 127.0.0.1:<port>, credential references → the
 * ids of credentials imported under the same type. The workflows themselves
 * are not edited on disk; the demo and the pipeline test import the result.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type Workflow = Record<string, unknown> & { nodes: WorkflowNode[]; connections: Record<string, unknown> };
/** A node as n8n exports it into a workflow file: the one shape the test bed, the demo and the workflow tests read. */
export interface WorkflowNode {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string | null; name: string }>;
	webhookId?: string;
	disabled?: boolean;
	[key: string]: unknown;
}

export const WORKFLOWS_DIR = resolve(__dirname, '../../workflows');

/** The workflows in workflows/ (empty when the folder is missing or empty). */
export function shippedWorkflows(dir = WORKFLOWS_DIR): Array<{ file: string; workflow: Workflow }> {
	if (!existsSync(dir)) return [];
	return readdirSync(dir)
		.filter((f) => f.endsWith('.json'))
		.sort()
		.map((file) => ({ file, workflow: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Workflow }));
}

function mapStrings(value: unknown, fn: (s: string) => string): unknown {
	if (typeof value === 'string') return fn(value);
	if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
	if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
	return value;
}

/** The credential type each SaaS node type needs (the shipped workflows leave them unset). */
export const EXTERNAL_CREDENTIAL_TYPES: Record<string, string> = {
	'n8n-nodes-base.slack': 'slackApi',
	'n8n-nodes-base.pagerDuty': 'pagerDutyApi',
	'n8n-nodes-base.awsS3': 'aws',
};

/**
 * `hosts`: compose `host:port` → local `127.0.0.1:port` (only http(s) URLs
 * are rewritten, so a channel name equal to a host name is left alone).
 * `credentials`: credential type → the imported credential; SaaS nodes, which
 * the shipped workflows leave without one, get theirs from here too.
 * Triggers the shipped workflows keep disabled (so that the editor's
 * *Execute workflow* starts from the Manual Trigger) are enabled, as a user
 * does before publishing.
 */
export function localiseWorkflow(
	workflow: Workflow,
	hosts: Record<string, string>,
	credentials: Record<string, { id: string; name: string }>,
	options: { enableTriggers?: boolean } = {},
): Workflow {
	const rewrite = (s: string) =>
		s.replace(/(https?:\/\/)([a-zA-Z0-9.-]+:\d+)/g, (whole, scheme: string, host: string) => (hosts[host] ? `${scheme}${hosts[host]}` : whole));
	const nodes = workflow.nodes.map((node) => {
		const out: WorkflowNode = { ...node, parameters: mapStrings(node.parameters, rewrite) as Record<string, unknown> };
		if (node.credentials) {
			out.credentials = Object.fromEntries(
				Object.entries(node.credentials).map(([type, ref]) => [type, credentials[type] ?? ref]),
			);
		}
		const saas = EXTERNAL_CREDENTIAL_TYPES[node.type];
		if (saas && !out.credentials?.[saas] && credentials[saas]) out.credentials = { ...out.credentials, [saas]: credentials[saas] };
		if (options.enableTriggers !== false && out.disabled && /trigger$/i.test(node.type)) delete out.disabled;
		return out;
	});
	return { ...workflow, nodes };
}

/** Node types a workflow uses that the local stack cannot serve (they talk to SaaS APIs). */
export const EXTERNAL_NODE_TYPES = ['n8n-nodes-base.slack', 'n8n-nodes-base.pagerDuty', 'n8n-nodes-base.awsS3', 'n8n-nodes-base.s3'];

/** The node types that carry a list of health targets. */
export const HEALTH_TARGET_NODE_TYPES = ['n8n-nodes-ragops.ragHealthCheck', 'n8n-nodes-ragops.ragHealthWatchTrigger'];

/**
 * Drops the health targets (RAG Health Check, RAG Health Watch) that still point at a compose host after
 * `localiseWorkflow` (services the local stack does not run, e.g. `search`):
 * left in, they would be DOWN forever and alert. `dependsOn` entries naming
 * a dropped target are dropped with it.
 */
export function dropUnservedHealthTargets(workflow: Workflow): string[] {
	const dropped: string[] = [];
	for (const node of workflow.nodes) {
		if (!HEALTH_TARGET_NODE_TYPES.includes(node.type)) continue;
		type Target = { name: string; url: string; dependsOn?: string };
		const targets = (node.parameters.targets as { target?: Target[] } | undefined)?.target ?? [];
		const kept = targets.filter((t) => /^https?:\/\/127\.0\.0\.1:/.test(t.url));
		dropped.push(...targets.filter((t) => !kept.includes(t)).map((t) => t.name));
		const names = new Set(kept.map((t) => t.name));
		for (const t of kept) {
			if (t.dependsOn) t.dependsOn = t.dependsOn.split(',').map((d) => d.trim()).filter((d) => names.has(d)).join(', ');
		}
		node.parameters = { ...node.parameters, targets: { target: kept } };
	}
	return dropped;
}
