/**
 * The shipped workflows (workflows/*.json) as n8n would see them, without
 * starting n8n: the export shape `n8n import:workflow` needs, node types that
 * exist (this package's by their description name, built-ins in the installed
 * n8n 2.40.7 at their current typeVersion), parameters valid for each node
 * type's description (n8n-workflow's NodeHelpers.getNodeParameters and
 * getNodeParametersIssues, plus option values), credentials by name only,
 * connections between existing nodes and outputs, a Manual Trigger path in
 * each, and what the workflows promise: their shape, keys and URLs, and the
 * config-owned parameters (targets, interval, crons, limits, retention) equal
 * to what the shipped ragops.config.yaml says (gen/workflows writes them).
 *
 * Built-in node descriptions come from the n8n install (`npm run setup`);
 * without it those checks are skipped with a message saying so.
 * The real import and runs are in test/e2e/workflows.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { NodeHelpers, type INodeParameters, type INodeTypeDescription } from 'n8n-workflow';

import { parseDuration } from '../../../gen/duration';
import { loadConfig } from '../../../gen/config/load';
import { repoRoot } from '../../../testbed/n8n/paths';

import { asINode, parameterProblems } from './parameterCheck';
import {
	BASE_PREFIX,
	builtinNodeDescriptions,
	currentVersion,
	descriptionFor,
	ERROR_HANDLER_FILE,
	EXPECTED_FILES,
	PACKAGE_PREFIX,
	packageNodeDescriptions,
	readWorkflow,
	readWorkflowText,
	workflowFileNames,
	type WorkflowFile,
	type WorkflowNode,
} from './workflowFiles';
import { SHIPPED_CONFIG } from '../gen/prometheus/helpers';

const config = loadConfig(SHIPPED_CONFIG);

const ours = packageNodeDescriptions();
const builtins = builtinNodeDescriptions();
const builtinsMissing = 'missing' in builtins ? builtins.missing : undefined;
if (builtinsMissing) {
	console.warn(`Built-in node checks SKIPPED (n8n is not installed): ${builtinsMissing}`);
}
const testBuiltins = builtinsMissing ? test.skip : test;

const files = workflowFileNames();
const workflows: Array<[string, WorkflowFile]> = files.map((f) => [f, readWorkflow(f)]);
const errorHandler = readWorkflow(ERROR_HANDLER_FILE);

/** Description of a node's type and version, or undefined when unknown (or built-ins are not installed). */
function describe_(node: WorkflowNode): INodeTypeDescription | undefined {
	if (node.type.startsWith(PACKAGE_PREFIX)) {
		const d = ours.get(node.type.slice(PACKAGE_PREFIX.length));
		return d && descriptionFor([d], node.typeVersion);
	}
	if (node.type.startsWith(BASE_PREFIX) && !('missing' in builtins)) {
		return descriptionFor(builtins.byName.get(node.type.slice(BASE_PREFIX.length)) ?? [], node.typeVersion);
	}
	return undefined;
}

/** Output count; Merge/Switch-like expression outputs are not used by these workflows. */
function outputCount(node: WorkflowNode, description: INodeTypeDescription): number {
	if (Array.isArray(description.outputs)) return description.outputs.length;
	throw new Error(`${node.name}: ${node.type} has computed outputs; teach the test how many`);
}

function inputCount(node: WorkflowNode, description: INodeTypeDescription): number {
	if (Array.isArray(description.inputs)) return description.inputs.length;
	if (node.type === 'n8n-nodes-base.merge') return Number(node.parameters.numberInputs ?? 2);
	throw new Error(`${node.name}: ${node.type} has computed inputs; teach the test how many`);
}

function byName(wf: WorkflowFile, name: string): WorkflowNode {
	const node = wf.nodes.find((n) => n.name === name);
	if (!node) throw new Error(`${wf.name} has no node "${name}"`);
	return node;
}

function nodesOfType(wf: WorkflowFile, type: string): WorkflowNode[] {
	return wf.nodes.filter((n) => n.type === type);
}

/** Names of the nodes a node's output `output` feeds. */
function targetsOf(wf: WorkflowFile, source: string, output = 0): string[] {
	return (wf.connections[source]?.main?.[output] ?? []).map((c) => c.node);
}

const STICKY = 'n8n-nodes-base.stickyNote';
const MANUAL = 'n8n-nodes-base.manualTrigger';


/**
 * The trigger n8n 2.40's editor preselects for "Execute workflow"
 * (editor-ui's default-trigger rule, read in its workflows store): enabled
 * triggers by priority, Form 10, Webhook 9, other non-core triggers (such as
 * community nodes) 8, Schedule 7, Manual 6, Execute Workflow 5, Error 4, any
 * other core node 0; the first of the highest wins.
 */
const TRIGGER_PRIORITY: Record<string, number> = {
	'n8n-nodes-base.formTrigger': 10,
	'n8n-nodes-base.webhook': 9,
	'n8n-nodes-base.scheduleTrigger': 7,
	[MANUAL]: 6,
	'n8n-nodes-base.executeWorkflowTrigger': 5,
	'n8n-nodes-base.errorTrigger': 4,
};

function priority(node: WorkflowNode): number {
	if (node.type in TRIGGER_PRIORITY) return TRIGGER_PRIORITY[node.type]!;
	const core = (describe_(node)?.codex?.categories ?? []).includes('Core Nodes');
	return core ? 0 : 8;
}

function defaultTrigger(enabled: WorkflowNode[]): WorkflowNode | undefined {
	return [...enabled].sort((a, b) => priority(b) - priority(a))[0];
}

test('workflows/ holds exactly the eight shipped workflows', () => {
	expect(files).toEqual(EXPECTED_FILES);
});

describe.each(workflows)('%s', (file, wf) => {
	test('is an n8n export that `n8n import:workflow` accepts: id, name, nodes, connections, settings, inactive, no pin data', () => {
		expect(() => JSON.parse(readWorkflowText(file))).not.toThrow();
		// n8n 2.40 needs a top-level id (NOT NULL) and treats ids over 21 characters as invalid.
		expect(wf.id).toMatch(/^[A-Za-z0-9]{1,21}$/);
		expect(typeof wf.name).toBe('string');
		expect(wf.name.length).toBeGreaterThan(0);
		expect(Array.isArray(wf.nodes)).toBe(true);
		expect(typeof wf.connections).toBe('object');
		expect(wf.active).toBe(false);
		expect(wf.pinData).toEqual({});
		expect(wf.settings.executionOrder).toBe('v1');
		for (const node of wf.nodes) {
			expect(typeof node.id).toBe('string');
			expect(typeof node.typeVersion).toBe('number');
			expect(node.position).toEqual([expect.any(Number), expect.any(Number)]);
			expect(typeof node.parameters).toBe('object');
		}
		const names = wf.nodes.map((n) => n.name);
		expect(new Set(names).size).toBe(names.length);
		expect(new Set(wf.nodes.map((n) => n.id)).size).toBe(names.length);
	});

	test('names the error handler as its error workflow (the handler itself has none and starts from an Error Trigger)', () => {
		if (file === ERROR_HANDLER_FILE) {
			expect(wf.settings.errorWorkflow).toBeUndefined();
			expect(nodesOfType(wf, 'n8n-nodes-base.errorTrigger')).toHaveLength(1);
		} else {
			expect(wf.settings.errorWorkflow).toBe(errorHandler.id);
		}
	});

	test("uses this package's nodes by their description name and version", () => {
		const ragops = wf.nodes.filter((n) => n.type.startsWith(PACKAGE_PREFIX));
		for (const node of ragops) {
			const name = node.type.slice(PACKAGE_PREFIX.length);
			expect({ node: node.name, known: ours.has(name) }).toEqual({ node: node.name, known: true });
			expect({ node: node.name, version: describe_(node) !== undefined }).toEqual({ node: node.name, version: true });
		}
		for (const node of wf.nodes) {
			expect([PACKAGE_PREFIX, BASE_PREFIX].some((p) => node.type.startsWith(p))).toBe(true);
		}
		if (file !== ERROR_HANDLER_FILE) expect(ragops.length).toBeGreaterThan(0);
	});

	testBuiltins('uses built-in nodes that exist in the installed n8n, at their current typeVersion', () => {
		if ('missing' in builtins) return;
		for (const node of wf.nodes.filter((n) => n.type.startsWith(BASE_PREFIX))) {
			const candidates = builtins.byName.get(node.type.slice(BASE_PREFIX.length)) ?? [];
			expect({ node: node.name, type: node.type, exists: candidates.length > 0 }).toEqual({ node: node.name, type: node.type, exists: true });
			expect({ node: node.name, typeVersion: node.typeVersion }).toEqual({ node: node.name, typeVersion: currentVersion(candidates) });
		}
	});

	test("every parameter of this package's nodes is valid for the node's description", () => {
		for (const node of wf.nodes.filter((n) => n.type.startsWith(PACKAGE_PREFIX))) {
			expect({ node: node.name, problems: parameterProblems(node, describe_(node)!) }).toEqual({ node: node.name, problems: [] });
		}
	});

	testBuiltins("every parameter of the built-in nodes is valid for the installed n8n's description", () => {
		for (const node of wf.nodes.filter((n) => n.type.startsWith(BASE_PREFIX))) {
			const description = describe_(node);
			expect(description).toBeDefined();
			expect({ node: node.name, problems: parameterProblems(node, description!) }).toEqual({ node: node.name, problems: [] });
		}
	});

	test("carries no credential ids or secrets: this package's credentials by name only, every required one named; SaaS nodes none", () => {
		for (const node of wf.nodes) {
			const description = describe_(node);
			const ours = node.type.startsWith(PACKAGE_PREFIX);
			for (const [type, ref] of Object.entries(node.credentials ?? {})) {
				// n8n 2.40 refuses to start any run of a workflow holding a reference it cannot resolve
				// (id null after import: "uses invalid credential"), so only our own credentials, which
				// the notes ask to create first, are referenced.
				if (!ours) throw new Error(`${node.name}: a ${node.type} node names credential ${type}; leave it unset`);
				expect({ node: node.name, type, ref }).toEqual({ node: node.name, type, ref: { id: null, name: expect.stringMatching(/^RagOps /) } });
				if (description) expect(description.credentials?.map((c) => c.name)).toContain(type);
			}
			if (!description || !ours) continue;
			const params = NodeHelpers.getNodeParameters(description.properties, node.parameters as INodeParameters, true, false, asINode(node), description)!;
			for (const cred of description.credentials ?? []) {
				if (!cred.required) continue;
				if (!NodeHelpers.displayParameter(params, cred, asINode(node, params), description)) continue;
				expect({ node: node.name, credential: cred.name, named: node.credentials?.[cred.name] !== undefined }).toEqual({
					node: node.name,
					credential: cred.name,
					named: true,
				});
			}
		}
		const text = readWorkflowText(file);
		// Tokens and keys as they look in the wild: Slack, AWS, PagerDuty-style, PEM, GitHub.
		expect(text).not.toMatch(/xox[abprs]-|AKIA[0-9A-Z]{16}|-----BEGIN|gh[pousr]_[A-Za-z0-9]{20,}|"(password|secret|token|apiKey|accessToken)"\s*:\s*"[^"]/);
	});

	testBuiltins("the editor's Execute workflow button starts from the Manual Trigger (n8n 2.40's default-trigger rule)", () => {
		const enabled = wf.nodes.filter((n) => !n.disabled && n.type !== STICKY && (describe_(n)?.group ?? []).includes('trigger'));
		expect(defaultTrigger(enabled)?.type).toBe(MANUAL);
		// The production trigger is there, disabled until the user goes live (the note says how).
		const production = wf.nodes.filter((n) => n.disabled && /trigger$/i.test(n.type));
		for (const t of production) expect({ trigger: t.name, outranksManual: priority(t) > priority(byName(wf, enabled.find((n) => n.type === MANUAL)!.name)) }).toEqual({ trigger: t.name, outranksManual: true });
		const notes = nodesOfType(wf, STICKY).map((n) => String(n.parameters.content)).join('\n');
		for (const t of production) expect(notes).toContain(`enable **${t.name}**`);
	});

	test('connects existing nodes through outputs and inputs they have; no trigger is fed; every working node is reachable from a trigger', () => {
		const names = new Set(wf.nodes.map((n) => n.name));
		for (const [source, byType] of Object.entries(wf.connections)) {
			expect(names.has(source)).toBe(true);
			const sourceNode = byName(wf, source);
			const sourceDescription = describe_(sourceNode);
			for (const [type, outputs] of Object.entries(byType)) {
				expect(type).toBe('main');
				if (sourceDescription) expect(outputs.length).toBeLessThanOrEqual(outputCount(sourceNode, sourceDescription));
				for (const connections of outputs) {
					for (const c of connections ?? []) {
						expect({ from: source, to: c.node, exists: names.has(c.node) }).toEqual({ from: source, to: c.node, exists: true });
						expect(c.type).toBe('main');
						const target = byName(wf, c.node);
						const targetDescription = describe_(target);
						if (targetDescription) {
							expect({ to: c.node, inputIndex: c.index < inputCount(target, targetDescription) }).toEqual({ to: c.node, inputIndex: true });
						}
					}
				}
			}
		}
		const triggers = wf.nodes.filter((n) => n.type !== STICKY && (describe_(n)?.inputs as unknown[] | undefined)?.length === 0);
		expect(triggers.length).toBeGreaterThanOrEqual(2);
		const fed = new Set(Object.values(wf.connections).flatMap((o) => o.main.flat().map((c) => c?.node)));
		for (const t of triggers) expect({ trigger: t.name, fed: fed.has(t.name) }).toEqual({ trigger: t.name, fed: false });
		const reached = new Set<string>();
		const queue = triggers.map((t) => t.name);
		while (queue.length > 0) {
			const name = queue.shift()!;
			if (reached.has(name)) continue;
			reached.add(name);
			for (const out of wf.connections[name]?.main ?? []) for (const c of out ?? []) queue.push(c.node);
		}
		const unreachable = wf.nodes.filter((n) => n.type !== STICKY && !reached.has(n.name)).map((n) => n.name);
		expect(unreachable).toEqual([]);
	});

	test('node names and sticky notes state no interval, time or limit the user can change (the editor would make them lie)', () => {
		const crons = [...config.ingestion.sources.flatMap((s) => (s.cron ? [s.cron] : [])), ...(config.backups ? [config.backups.cron] : [])];
		const texts = [...wf.nodes.map((n) => n.name), ...nodesOfType(wf, STICKY).map((n) => String(n.parameters.content))];
		for (const text of texts) {
			expect({ text, figure: /\b\d+(\.\d+)?\s?(ms|s|secs?|seconds?|min|minutes?|h|hours?|d|days?)\b/i.exec(text)?.[0] }).toEqual({ text, figure: undefined });
			expect({ text, clock: /\b\d{1,2}:\d{2}\b/.exec(text)?.[0] }).toEqual({ text, clock: undefined });
			expect({ text, every: /\bevery (minute|hour|day|night|week|month|\d)/i.exec(text)?.[0] }).toEqual({ text, every: undefined });
			for (const cron of crons) expect({ text, cron: text.includes(cron) }).toEqual({ text, cron: false });
		}
	});

	test('has a Manual Trigger that feeds the workflow and comes before the other triggers, and a sticky note that says what to configure', () => {
		const manual = nodesOfType(wf, MANUAL);
		expect(manual).toHaveLength(1);
		expect(targetsOf(wf, manual[0]!.name).length).toBeGreaterThan(0);
		// `n8n execute` (2.40) starts from the first node that has a trigger or poll method, in node order.
		const firstTrigger = wf.nodes.find((n) => /trigger$/i.test(n.type));
		expect(firstTrigger?.type).toBe(MANUAL);
		const notes = nodesOfType(wf, STICKY).map((n) => String(n.parameters.content));
		expect(notes.some((c) => /configure/i.test(c))).toBe(true);
	});
});

describe('what each workflow promises', () => {
	const wf = (file: string) => readWorkflow(file);

	test('health watch: RAG Health Watch at healthChecks.every (transitions only) and Try It → RAG Health Check, both with one target per service (name, URL, critical, dependsOn from the config), metrics pushed → Alert to Slack, critical downs to PagerDuty', () => {
		const w = wf('health-watch.json');
		expect(nodesOfType(w, 'n8n-nodes-base.scheduleTrigger')).toEqual([]);
		const watch = nodesOfType(w, 'n8n-nodes-ragops.ragHealthWatchTrigger')[0]!;
		const check = nodesOfType(w, 'n8n-nodes-ragops.ragHealthCheck')[0]!;
		expect(watch.parameters.interval).toBe(parseDuration(config.healthChecks.every));
		expect(targetsOf(w, nodesOfType(w, MANUAL)[0]!.name)).toEqual([check.name]);
		const expected = config.services.map((s) => [s.name, `${s.scheme}://${s.address}${s.healthPath ?? ''}`, s.critical, s.dependsOn.join(', ')]);
		for (const node of [watch, check]) {
			expect(node.parameters.pushMetrics).toBe(true);
			const targets = (node.parameters.targets as { target: Array<Record<string, unknown>> }).target;
			expect(targets.map((t) => [t.name, t.url, t.critical, t.dependsOn ?? ''])).toEqual(expected);
		}
		expect(watch.parameters.options).toMatchObject({ failuresToDown: 3, successesToUp: 2 });
		// The watch's only output carries transitions; the check's output 0 is Alert, output 1 OK.
		for (const name of [watch.name, check.name]) {
			expect(targetsOf(w, name, 0).map((n) => byName(w, n).type).sort()).toEqual(['n8n-nodes-base.if', 'n8n-nodes-base.slack']);
		}
		expect(targetsOf(w, check.name, 1)).toEqual([]);
		const gate = nodesOfType(w, 'n8n-nodes-base.if')[0]!;
		const conditions = JSON.stringify(gate.parameters.conditions);
		expect(conditions).toContain('$json.critical');
		expect(conditions).toContain('$json.event');
		expect(targetsOf(w, gate.name, 0).map((n) => byName(w, n).type)).toEqual(['n8n-nodes-base.pagerDuty']);
	});

	test('nightly ingestion: the cron of ingestion.sources[0] → RAG Ingestion of that source (waits up to its maxRuntime) → Success to a Freshness Check with the limits of ingestion.freshness[0]; Failure and Stale to Slack', () => {
		const w = wf('nightly-ingestion.json');
		const source = config.ingestion.sources[0]!;
		const manifest = config.ingestion.freshness[0]!;
		const schedule = nodesOfType(w, 'n8n-nodes-base.scheduleTrigger')[0]!;
		expect(schedule.parameters.rule).toEqual({ interval: [{ field: 'cronExpression', expression: source.cron }] });
		const ingest = nodesOfType(w, 'n8n-nodes-ragops.ragIngestion')[0]!;
		expect(ingest.parameters).toMatchObject({ source: source.name, waitForCompletion: true, maxRuntimeMinutes: parseDuration(source.maxRuntime) / 60 });
		expect(ingest.parameters.baseUrl).toBe('http://ingestion:8200');
		const fresh = nodesOfType(w, 'n8n-nodes-ragops.ragFreshnessCheck')[0]!;
		expect(fresh.parameters).toMatchObject({
			manifestName: manifest.manifest,
			warnAfterHours: parseDuration(manifest.warnAfter) / 3600,
			errorAfterHours: parseDuration(manifest.errorAfter) / 3600,
		});
		// The freshness check runs once the gate accepted the re-index (a rolled-back one is notified once).
		expect(targetsOf(w, ingest.name, 0)).toEqual(['Retrieval Gate']);
		expect(targetsOf(w, 'Retrieval Gate', 0)).toEqual(['Accept Baseline', fresh.name]);
		expect(targetsOf(w, ingest.name, 1).map((n) => byName(w, n).type)).toEqual(['n8n-nodes-base.slack']);
		expect(targetsOf(w, fresh.name, 1).map((n) => byName(w, n).type)).toEqual(['n8n-nodes-base.slack']);
	});

	test('feed ingestion: RSS Feed Trigger → RAG Ingestion keyed by the item guid, falling back to its link', () => {
		const w = wf('feed-ingestion.json');
		const trigger = nodesOfType(w, 'n8n-nodes-base.rssFeedReadTrigger')[0]!;
		const ingest = nodesOfType(w, 'n8n-nodes-ragops.ragIngestion')[0]!;
		// Through the gate's snapshot (test 'gated re-index' below): the key is read from the request node.
		expect(targetsOf(w, trigger.name)).toEqual(['Newest Item']);
		expect(ingest.parameters.idempotencyKey).toBe("={{ $('Ingestion Request').first().json.guid || $('Ingestion Request').first().json.link }}");
		expect(ingest.parameters.source).toBe(config.ingestion.sources[0]!.name);
	});

	test('repository ingestion: GitHub-signed push to the default branch → RAG Ingestion keyed by repository@head commit, not the delivery id', () => {
		const w = wf('repo-ingestion.json');
		const trigger = nodesOfType(w, 'n8n-nodes-ragops.ingestWebhookTrigger')[0]!;
		expect(trigger.parameters).toMatchObject({ signatureMode: 'github', events: 'push', onlyDefaultBranch: true });
		expect(typeof trigger.webhookId).toBe('string');
		const ingest = nodesOfType(w, 'n8n-nodes-ragops.ragIngestion')[0]!;
		expect(targetsOf(w, trigger.name)).toEqual(['Ingestion Request']);
		expect(ingest.parameters.idempotencyKey).toBe(`={{ $('Ingestion Request').first().json.body.repository.full_name + "@" + $('Ingestion Request').first().json.body.after }}`);
		expect(ingest.parameters.source).toBe(config.ingestion.sources[0]!.name);
	});

	test('freshness watch: scheduled more often than absentAfter, RAG Freshness Check with the limits of ingestion.freshness[0] → Stale to Slack', () => {
		const w = wf('freshness-watch.json');
		const manifest = config.ingestion.freshness[0]!;
		const schedule = nodesOfType(w, 'n8n-nodes-base.scheduleTrigger')[0]!;
		// Hand-owned (the config has no freshness schedule), but it must push before RagFreshnessResultsAbsent fires.
		const [rule] = (schedule.parameters.rule as { interval: Array<{ field: string; hoursInterval: number }> }).interval;
		expect(rule!.field).toBe('hours');
		expect(rule!.hoursInterval * 3600).toBeLessThanOrEqual(parseDuration(manifest.absentAfter));
		const fresh = nodesOfType(w, 'n8n-nodes-ragops.ragFreshnessCheck')[0]!;
		expect(fresh.parameters).toMatchObject({
			manifestName: manifest.manifest,
			warnAfterHours: parseDuration(manifest.warnAfter) / 3600,
			errorAfterHours: parseDuration(manifest.errorAfter) / 3600,
		});
		expect(targetsOf(w, schedule.name)).toEqual([fresh.name]);
		expect(targetsOf(w, fresh.name, 0)).toEqual([]);
		expect(targetsOf(w, fresh.name, 1).map((n) => byName(w, n).type)).toEqual(['n8n-nodes-base.slack']);
	});

	test('Qdrant backup: on backups.cron Create → Download → Verify → S3 upload → (after the upload, with the verified item) Apply Retention with backups.retention, all of backups.collections[0]', () => {
		const w = wf('qdrant-backup.json');
		const backups = config.backups!;
		const schedule = nodesOfType(w, 'n8n-nodes-base.scheduleTrigger')[0]!;
		expect(schedule.parameters.rule).toEqual({ interval: [{ field: 'cronExpression', expression: backups.cron }] });
		for (const node of nodesOfType(w, 'n8n-nodes-ragops.qdrantBackup')) expect({ node: node.name, collection: node.parameters.collection }).toEqual({ node: node.name, collection: backups.collections[0] });
		const op = (name: string) => byName(w, name).parameters.operation;
		const chain = ['Create Snapshot', 'Download Snapshot', 'Verify Snapshot'];
		expect(chain.map(op)).toEqual(['create', 'download', 'verify']);
		expect(targetsOf(w, schedule.name)).toEqual(['Create Snapshot']);
		expect(targetsOf(w, 'Create Snapshot')).toEqual(['Download Snapshot']);
		expect(targetsOf(w, 'Download Snapshot')).toEqual(['Verify Snapshot']);
		const s3 = nodesOfType(w, 'n8n-nodes-base.awsS3')[0]!;
		expect(s3.parameters).toMatchObject({ resource: 'file', operation: 'upload', binaryData: true, binaryPropertyName: 'data' });
		const merge = nodesOfType(w, 'n8n-nodes-base.merge')[0]!;
		expect(targetsOf(w, 'Verify Snapshot').sort()).toEqual([merge.name, s3.name].sort());
		expect(w.connections[s3.name]!.main[0]).toEqual([{ node: merge.name, type: 'main', index: 1 }]);
		// Retention gets Verify's item (input 1), and only once the upload has finished.
		expect(merge.parameters).toMatchObject({ mode: 'chooseBranch', chooseBranchMode: 'waitForAll', output: 'specifiedInput', useDataOfInput: 1 });
		expect(targetsOf(w, merge.name)).toEqual(['Apply Retention']);
		const { keepLast, keepDaily, keepWeekly, keepMonthly } = backups.retention;
		expect(byName(w, 'Apply Retention').parameters).toMatchObject({ operation: 'applyRetention', verifiedFrom: 'input', keepLast, keepDaily, keepWeekly, keepMonthly });
	});

	test('error handler: Error Trigger → Slack, and every other workflow names it', () => {
		const w = wf(ERROR_HANDLER_FILE);
		const trigger = nodesOfType(w, 'n8n-nodes-base.errorTrigger')[0]!;
		expect(targetsOf(w, trigger.name).map((n) => byName(w, n).type)).toEqual(['n8n-nodes-base.slack']);
		for (const [file, other] of workflows) {
			if (file !== ERROR_HANDLER_FILE) expect({ file, errorWorkflow: other.settings.errorWorkflow }).toEqual({ file, errorWorkflow: w.id });
		}
	});
});

/**
 * The closed loop (issue 15): the three ingestion workflows are gated by a
 * retrieval check with a snapshot to roll back to, and the canary reads the
 * baseline the gate accepts. Kept apart from the per-workflow promises above.
 */
describe('retrieval loop: gated re-index and canary', () => {
	const wf = (file: string) => readWorkflow(file);
	const TABLE = 'ragops_retrieval_baselines';
	const GATED = ['nightly-ingestion.json', 'feed-ingestion.json', 'repo-ingestion.json'];
	const golden = readFileSync(join(repoRoot, 'testbed/stack/golden-docs.jsonl'), 'utf8')
		.split('\n')
		.filter((l) => l.trim())
		.map((l) => JSON.parse(l) as { id: string; query: string; expected?: string[] });
	const checks = (w: WorkflowFile) => nodesOfType(w, 'n8n-nodes-ragops.ragRetrievalCheck');
	const only = (w: WorkflowFile, name: string, output = 0) => {
		const t = targetsOf(w, name, output);
		expect({ from: name, output, targets: t.length }).toEqual({ from: name, output, targets: 1 });
		return t[0]!;
	};

	test.each(GATED)('%s: triggers → request → baseline table → read baseline → snapshot → verify → RAG Ingestion (waits)', (file) => {
		const w = wf(file);
		const request = byName(w, 'Ingestion Request');
		expect(request.type).toBe('n8n-nodes-base.noOp');
		// Every trigger path ends at the request node (so the ingestion key reads the trigger's item there).
		for (const t of w.nodes.filter((n) => /trigger$/i.test(n.type))) {
			let at = t.name;
			while (at !== request.name) at = only(w, at);
		}
		const chain = [request.name, 'Baseline Table', 'Read Baseline', 'Snapshot Before Ingestion', 'Verify Snapshot', 'RAG Ingestion'];
		for (let i = 0; i + 1 < chain.length; i++) expect(targetsOf(w, chain[i]!)).toEqual([chain[i + 1]]);
		expect(byName(w, 'Baseline Table').parameters).toMatchObject({ resource: 'table', operation: 'create', tableName: TABLE, options: { createIfNotExists: true } });
		// Two first runs at once (queue mode) both find no table and both create it: the loser's "already
		// exists" must not stop its run. A real failure (module off, no access) still stops Read Baseline.
		expect(byName(w, 'Baseline Table').onError).toBe('continueRegularOutput');
		const read = byName(w, 'Read Baseline');
		// An empty table must still let the run go on: Get returns no rows, alwaysOutputData gives one empty item.
		expect(read.alwaysOutputData).toBe(true);
		expect(read.parameters).toMatchObject({ resource: 'row', operation: 'get', dataTableId: { mode: 'name', value: TABLE }, filters: { conditions: [{ keyName: 'goldenSet', keyValue: 'docs' }] } });
		expect(byName(w, 'Snapshot Before Ingestion').parameters).toMatchObject({ operation: 'create', collection: 'docs', wait: true });
		expect(byName(w, 'Verify Snapshot').parameters).toMatchObject({ operation: 'verify', collection: 'docs', snapshotName: '', verifySource: 'download' });
		// Qdrant names snapshots by the second: concurrent executions (a redelivery storm in queue mode) can share
		// one file and read it while it is rewritten; a verify a second later sees it whole.
		expect(byName(w, 'Verify Snapshot')).toMatchObject({ retryOnFail: true, maxTries: 3, waitBetweenTries: 1000 });
		const ingest = byName(w, 'RAG Ingestion');
		expect(ingest.parameters.waitForCompletion).toBe(true);
		// Keys and metadata come from the request, not from $json (the verify item, after the snapshot).
		expect(String(ingest.parameters.idempotencyKey)).toContain("$('Ingestion Request').first().json");
		expect(JSON.stringify(ingest.parameters)).not.toMatch(/\$json/);
	});

	test.each(GATED)('%s: Success → Retrieval Gate; Pass → Accept Baseline; Fail → Restore (this run\'s snapshot) → Check After Rollback → one Slack message', (file) => {
		const w = wf(file);
		expect(targetsOf(w, 'RAG Ingestion', 0)).toEqual(['Retrieval Gate']);
		expect(targetsOf(w, 'RAG Ingestion', 1).map((n) => byName(w, n).type)).toEqual(['n8n-nodes-base.slack']);
		expect(targetsOf(w, 'RAG Ingestion', 2)).toEqual([]);
		expect(checks(w).map((n) => n.name).sort()).toEqual(['Check After Rollback', 'Retrieval Gate']);
		// Pass: accept (and, nightly, check the freshness manifest of the index that is kept).
		expect(targetsOf(w, 'Retrieval Gate', 0).filter((n) => n !== 'RAG Freshness Check')).toEqual(['Accept Baseline']);
		expect(targetsOf(w, 'Retrieval Gate', 1)).toEqual(['Restore Snapshot']);
		const accept = byName(w, 'Accept Baseline');
		expect(accept.parameters).toMatchObject({ resource: 'row', operation: 'upsert', dataTableId: { mode: 'name', value: TABLE }, filters: { conditions: [{ keyName: 'goldenSet', keyValue: '={{ $json.goldenSet }}' }] } });
		const columns = accept.parameters.columns as { value: Record<string, string>; schema: Array<{ id: string }> };
		// Data-table cells hold text, numbers, booleans, dates: the ranked ids are stored as JSON text.
		expect(columns.value).toMatchObject({ goldenSet: '={{ $json.goldenSet }}', baseline: '={{ JSON.stringify($json.baseline) }}' });
		expect(columns.schema.map((c) => c.id).sort()).toEqual(Object.keys(columns.value).sort());
		expect(targetsOf(w, 'Accept Baseline')).toEqual([]);
		const restore = byName(w, 'Restore Snapshot');
		expect(restore.parameters).toMatchObject({
			operation: 'restore',
			collection: 'docs',
			restoreSource: 'snapshot',
			snapshotName: "={{ $('Snapshot Before Ingestion').first().json.snapshot.name }}",
			priority: 'snapshot',
		});
		expect(targetsOf(w, 'Restore Snapshot')).toEqual(['Check After Rollback']);
		// Both outputs of the second check go to the same Slack node: exactly one message either way.
		expect(targetsOf(w, 'Check After Rollback', 0)).toEqual(['Slack: Rolled Back']);
		expect(targetsOf(w, 'Check After Rollback', 1)).toEqual(['Slack: Rolled Back']);
		const slack = byName(w, 'Slack: Rolled Back');
		expect(slack.type).toBe('n8n-nodes-base.slack');
		expect(targetsOf(w, slack.name)).toEqual([]);
		const text = String(slack.parameters.text);
		expect(text).toContain('rolled back');
		expect(text).toContain("recall@{{ $json.k }} {{ $('Retrieval Gate').first().json.recall");
		expect(text).toContain('→ {{ $json.recall');
		// Nothing else in the gate notifies: the only Slack nodes are the rollback and the failure ones.
		expect(nodesOfType(w, 'n8n-nodes-base.slack').map((n) => n.name).filter((n) => !['Slack: Rolled Back', 'Slack: Ingestion Failed', 'Slack: Index Stale'].includes(n))).toEqual([]);
	});

	test.each([...GATED, 'retrieval-canary.json'])('%s: every retrieval check runs testbed/stack/golden-docs.jsonl against the RAG API with the accepted baseline, pushing metrics', (file) => {
		const w = wf(file);
		expect(checks(w).length).toBeGreaterThan(0);
		for (const c of checks(w)) {
			expect(c.parameters).toMatchObject({ checkName: 'docs', caseSource: 'list', searchPreset: 'ragApi', url: 'http://rag-api:8000', defaultK: 5, pushMetrics: true });
			expect(c.parameters.baseline).toBe("={{ $('Read Baseline').first().json.baseline || '[]' }}");
			const cases = (c.parameters.cases as { case: Array<{ id: string; query: string; expected: string }> }).case;
			expect(cases.map((k) => ({ id: k.id, query: k.query, expected: k.expected ? k.expected.split(', ') : [] }))).toEqual(
				golden.map((g) => ({ id: g.id, query: g.query, expected: g.expected ?? [] })),
			);
			expect(c.credentials?.ragOpsPushgatewayApi).toEqual({ id: null, name: 'RagOps Pushgateway' });
		}
		// The snapshot taken before ingesting is the run's own: the backup workflow's metrics stay the backup's.
		for (const n of nodesOfType(w, 'n8n-nodes-ragops.qdrantBackup')) expect({ node: n.name, push: n.parameters.pushMetrics ?? false }).toEqual({ node: n.name, push: false });
	});

	test('canary: Try It and a disabled 15-minute schedule → Baseline Table → Read Baseline → RAG Retrieval Check; Fail → one Slack node; it never writes the baseline', () => {
		const w = wf('retrieval-canary.json');
		const schedule = nodesOfType(w, 'n8n-nodes-base.scheduleTrigger')[0]!;
		expect(schedule.disabled).toBe(true);
		expect(schedule.parameters.rule).toEqual({ interval: [{ field: 'minutes', minutesInterval: 15 }] });
		expect(targetsOf(w, schedule.name)).toEqual(['Baseline Table']);
		expect(targetsOf(w, nodesOfType(w, MANUAL)[0]!.name)).toEqual(['Baseline Table']);
		expect(targetsOf(w, 'Baseline Table')).toEqual(['Read Baseline']);
		expect(targetsOf(w, 'Read Baseline')).toEqual(['RAG Retrieval Check']);
		expect(targetsOf(w, 'RAG Retrieval Check', 0)).toEqual([]);
		expect(targetsOf(w, 'RAG Retrieval Check', 1).map((n) => byName(w, n).type)).toEqual(['n8n-nodes-base.slack']);
		const tables = nodesOfType(w, 'n8n-nodes-base.dataTable');
		expect(tables.map((t) => `${t.parameters.resource}:${t.parameters.operation}`).sort()).toEqual(['row:get', 'table:create']);
		const note = nodesOfType(w, STICKY).map((n) => String(n.parameters.content)).join('\n');
		// Why there is only one notification: state and paging are the Prometheus rules'.
		expect(note).toMatch(/Prometheus rules/);
	});

	test('the gated workflows and the canary create the baseline table with the same columns', () => {
		const columnsOf = (file: string) => (byName(wf(file), 'Baseline Table').parameters.columns as { column: unknown[] }).column;
		for (const file of GATED) expect(columnsOf(file)).toEqual(columnsOf('retrieval-canary.json'));
		const accepted = Object.keys((byName(wf('nightly-ingestion.json'), 'Accept Baseline').parameters.columns as { value: object }).value).sort();
		expect((columnsOf('retrieval-canary.json') as Array<{ name: string }>).map((c) => c.name).sort()).toEqual(accepted);
	});
});
