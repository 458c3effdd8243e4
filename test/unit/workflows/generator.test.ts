/**
 * gen/workflows: the config flows into the shipped workflows, and only into
 * the parameters it owns. An edited config (a new service, another cron,
 * other limits) changes exactly those; a hand edit of an owned parameter
 * makes `npm run gen -- --check` fail naming the file, node, parameter and
 * config path; a workflow without a node the config needs fails with a
 * message saying which; crons the config accepts are crons n8n's own parser
 * (the `cron` package n8n-core 2.40 runs schedules with) accepts.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CronTime } from 'cron';
import { parse as parseYaml, stringify } from 'yaml';

import { main } from '../../../gen/cli';
import { cronProblem } from '../../../gen/config/cron';
import { ConfigError, loadConfig, parseConfig } from '../../../gen/config/load';
import { generateWorkflows, WORKFLOWS_DIR } from '../../../gen/workflows';
import { leaves } from './parameterCheck';
import { readWorkflowText, workflowFileNames, type WorkflowFile, type WorkflowNode } from './workflowFiles';
import { SHIPPED_CONFIG } from '../gen/prometheus/helpers';

const shippedText = readFileSync(SHIPPED_CONFIG, 'utf8');
type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function edited(edit: (raw: Raw) => void) {
	const raw = parseYaml(shippedText) as Raw;
	edit(raw);
	return parseConfig(stringify(raw));
}

const byFile = (files: ReturnType<typeof generateWorkflows>) =>
	Object.fromEntries(files.map((f) => [f.path.replace('workflows/', ''), JSON.parse(f.content) as WorkflowFile]));
const node = (wf: WorkflowFile, type: string, where: (n: WorkflowNode) => boolean = () => true) => wf.nodes.filter((n) => n.type === type && where(n));

let dirs: string[] = [];
const tempDir = () => {
	const d = mkdtempSync(join(tmpdir(), 'ragops-wfgen-'));
	dirs.push(d);
	return d;
};
afterEach(() => {
	for (const d of dirs) rmSync(d, { recursive: true, force: true });
	dirs = [];
});

/** Runs the CLI with console.error captured. */
function check(args: string[]): { code: number; errors: string[] } {
	const errors: string[] = [];
	const spyErr = jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
	const spyLog = jest.spyOn(console, 'log').mockImplementation(() => undefined);
	try {
		return { code: main(args), errors };
	} finally {
		spyErr.mockRestore();
		spyLog.mockRestore();
	}
}

test('the shipped workflows are byte for byte what the generator writes from the shipped config', () => {
	for (const f of generateWorkflows(loadConfig(SHIPPED_CONFIG))) expect({ file: f.path, same: f.content === readWorkflowText(f.path.slice('workflows/'.length)) }).toEqual({ file: f.path, same: true });
	expect(generateWorkflows(loadConfig(SHIPPED_CONFIG)).map((f) => f.path)).toEqual(workflowFileNames().map((f) => `workflows/${f}`));
});

test('an edited config flows in: a new service becomes a target of both health nodes (name = service name), other crons, interval, limits, source, collection and retention land where they belong', () => {
	const cfg = edited((raw) => {
		raw.services.push({ name: 'reranker', kind: 'generic', address: 'reranker:9000', scheme: 'https', healthPath: '/ready', critical: true, dependsOn: ['rag-api', 'qdrant'] });
		raw.services = raw.services.filter((s: Raw) => s.name !== 'search');
		raw.services.find((s: Raw) => s.name === 'rag-api').dependsOn = ['qdrant'];
		raw.healthChecks.every = '2m';
		raw.ingestion.sources[0] = { name: 'handbook', cron: '15 4 * * 1-5', every: '24h', maxRuntime: '45m' };
		raw.ingestion.freshness[0] = { manifest: 'handbook', warnAfter: '90m', errorAfter: '3h' };
		raw.backups = { ...raw.backups, collections: ['handbook'], cron: '0 */6 * * *', retention: { keepLast: 5, keepDaily: 2, keepWeekly: 1, keepMonthly: 0, keepWithin: '36h' } };
	});
	const wf = byFile(generateWorkflows(cfg));

	const health = wf['health-watch.json']!;
	const watch = node(health, 'n8n-nodes-ragops.ragHealthWatchTrigger')[0]!;
	expect(watch.parameters.interval).toBe(120);
	for (const n of [watch, node(health, 'n8n-nodes-ragops.ragHealthCheck')[0]!]) {
		const targets = (n.parameters.targets as { target: Raw[] }).target;
		expect(targets.map((t) => t.name)).toEqual(cfg.services.map((s) => s.name));
		expect(targets.find((t) => t.name === 'reranker')).toEqual({ name: 'reranker', url: 'https://reranker:9000/ready', preset: 'generic', critical: true, dependsOn: 'rag-api, qdrant' });
		expect(targets.find((t) => t.name === 'rag-api')).toMatchObject({ preset: 'ragApi', dependsOn: 'qdrant' });
		expect(targets.find((t) => t.name === 'qdrant')).toMatchObject({ preset: 'qdrant', url: 'http://qdrant:6333/readyz' });
	}

	const nightly = wf['nightly-ingestion.json']!;
	expect(node(nightly, 'n8n-nodes-base.scheduleTrigger')[0]!.parameters.rule).toEqual({ interval: [{ field: 'cronExpression', expression: '15 4 * * 1-5' }] });
	expect(node(nightly, 'n8n-nodes-ragops.ragIngestion')[0]!.parameters).toMatchObject({ source: 'handbook', maxRuntimeMinutes: 45 });
	for (const file of ['nightly-ingestion.json', 'freshness-watch.json']) {
		expect(node(wf[file]!, 'n8n-nodes-ragops.ragFreshnessCheck')[0]!.parameters).toMatchObject({ manifestName: 'handbook', warnAfterHours: 1.5, errorAfterHours: 3 });
	}
	for (const file of ['feed-ingestion.json', 'repo-ingestion.json']) expect(node(wf[file]!, 'n8n-nodes-ragops.ragIngestion')[0]!.parameters.source).toBe('handbook');

	const backup = wf['qdrant-backup.json']!;
	expect(node(backup, 'n8n-nodes-base.scheduleTrigger')[0]!.parameters.rule).toEqual({ interval: [{ field: 'cronExpression', expression: '0 */6 * * *' }] });
	expect(node(backup, 'n8n-nodes-ragops.qdrantBackup').map((n) => n.parameters.collection)).toEqual(['handbook', 'handbook', 'handbook', 'handbook']);
	expect(node(backup, 'n8n-nodes-ragops.qdrantBackup', (n) => n.parameters.operation === 'applyRetention')[0]!.parameters).toMatchObject({
		keepLast: 5, keepDaily: 2, keepWeekly: 1, keepMonthly: 0, keepWithin: '36h', keepHourly: 0, keepYearly: 0,
	});
});

test('the retrieval canary flows in: its period becomes the canary\'s Schedule Trigger, its golden set and service every Retrieval Check and baseline read, in the canary and the three gated ingestions', () => {
	const cfg = edited((raw) => {
		raw.services.push({ name: 'answers', kind: 'rag-api', address: 'answers.internal:9000', healthPath: '/healthz', critical: false });
		raw.retrieval[0] = { ...raw.retrieval[0], service: 'answers', goldenSet: 'handbook', every: '6h', staleAfter: '13h' };
	});
	const files = byFile(generateWorkflows(cfg));
	expect(node(files['retrieval-canary.json'], 'n8n-nodes-base.scheduleTrigger')[0].parameters.rule).toEqual({ interval: [{ field: 'hours', hoursInterval: 6 }] });
	for (const name of ['retrieval-canary.json', 'nightly-ingestion.json', 'feed-ingestion.json', 'repo-ingestion.json']) {
		const checks = node(files[name], 'n8n-nodes-ragops.ragRetrievalCheck');
		expect(checks.length).toBeGreaterThan(0);
		for (const c of checks) expect({ name, check: c.name, checkName: c.parameters.checkName, url: c.parameters.url }).toEqual({ name, check: c.name, checkName: 'handbook', url: 'http://answers.internal:9000' });
		const reads = node(files[name], 'n8n-nodes-base.dataTable', (n) => n.parameters.operation === 'get');
		expect({ name, filters: reads.map((r) => r.parameters.filters) }).toEqual({ name, filters: [{ conditions: [{ keyName: 'goldenSet', keyValue: 'handbook' }] }] });
	}
	const minutes = edited((raw) => void (raw.retrieval[0] = { ...raw.retrieval[0], every: '5m', staleAfter: '11m' }));
	expect(node(byFile(generateWorkflows(minutes))['retrieval-canary.json'], 'n8n-nodes-base.scheduleTrigger')[0].parameters.rule).toEqual({ interval: [{ field: 'minutes', minutesInterval: 5 }] });
});

test('only config-owned parameters change: every other leaf of every workflow (notes, Slack texts, URLs, keys, positions) is as committed', () => {
	const cfg = edited((raw) => {
		raw.healthChecks.every = '1m';
		raw.ingestion.sources[0].cron = '5 1 * * *';
		raw.backups.retention.keepLast = 9;
	});
	const OWNED = new Set(['interval', 'targets', 'rule', 'source', 'maxRuntimeMinutes', 'manifestName', 'warnAfterHours', 'errorAfterHours', 'collection', 'keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepWithin']);
	for (const f of generateWorkflows(cfg)) {
		const file = f.path.slice('workflows/'.length);
		const before = leaves(JSON.parse(readWorkflowText(file))).filter(([p]) => !(p[0] === 'nodes' && p[2] === 'parameters' && OWNED.has(String(p[3]))));
		const after = leaves(JSON.parse(f.content)).filter(([p]) => !(p[0] === 'nodes' && p[2] === 'parameters' && OWNED.has(String(p[3]))));
		expect({ file, leaves: after }).toEqual({ file, leaves: before });
	}
});

test('hand-owned fields of a health target (a timeout override, a Qdrant collection) survive regeneration, matched by target name', () => {
	const dir = tempDir();
	for (const f of workflowFileNames()) copyFileSync(join(WORKFLOWS_DIR, f), join(dir, f));
	const wf = JSON.parse(readWorkflowText('health-watch.json')) as WorkflowFile;
	const watch = node(wf, 'n8n-nodes-ragops.ragHealthWatchTrigger')[0]!;
	const qdrant = (watch.parameters.targets as { target: Raw[] }).target.find((t) => t.name === 'qdrant')!;
	Object.assign(qdrant, { collection: 'docs', timeout: 2500, url: 'http://edited:1/x' });
	writeFileSync(join(dir, 'health-watch.json'), JSON.stringify(wf, null, '\t') + '\n');
	const out = byFile(generateWorkflows(loadConfig(SHIPPED_CONFIG), dir))['health-watch.json']!;
	const regenerated = (node(out, 'n8n-nodes-ragops.ragHealthWatchTrigger')[0]!.parameters.targets as { target: Raw[] }).target.find((t) => t.name === 'qdrant');
	expect(regenerated).toEqual({ name: 'qdrant', url: 'http://qdrant:6333/readyz', preset: 'qdrant', critical: true, collection: 'docs', timeout: 2500 });
});

test('`gen --check` fails on a hand edit of a config-owned parameter, naming the file, the node, the parameter and the config path; passes again once regenerated', () => {
	const out = tempDir();
	expect(check(['--config', SHIPPED_CONFIG, '--out', out]).code).toBe(0);
	expect(check(['--config', SHIPPED_CONFIG, '--out', out, '--check']).code).toBe(0);
	const file = join(out, 'workflows/health-watch.json');
	const wf = JSON.parse(readFileSync(file, 'utf8')) as WorkflowFile;
	// What a user does in the editor, exported back: the watch every 10 minutes.
	node(wf, 'n8n-nodes-ragops.ragHealthWatchTrigger')[0]!.parameters.interval = 600;
	writeFileSync(file, JSON.stringify(wf, null, '\t') + '\n');
	const backupFile = join(out, 'workflows/qdrant-backup.json');
	writeFileSync(backupFile, readFileSync(backupFile, 'utf8').replace('"expression": "30 3 * * *"', '"expression": "0 12 * * *"'));

	const drift = check(['--config', SHIPPED_CONFIG, '--out', out, '--check']);
	expect(drift.code).toBe(1);
	expect(drift.errors).toEqual(expect.arrayContaining([
		'out of date: workflows/health-watch.json',
		'  workflows/health-watch.json: nodes["RAG Health Watch"].parameters.interval is 600, healthChecks.every gives 30',
		'out of date: workflows/qdrant-backup.json',
		'  workflows/qdrant-backup.json: nodes["Backup Schedule"].parameters.rule is {"interval":[{"field":"cronExpression","expression":"0 12 * * *"}]}, backups.cron gives {"interval":[{"field":"cronExpression","expression":"30 3 * * *"}]}',
	]));
	expect(drift.errors.filter((l) => l.startsWith('out of date:'))).toHaveLength(2);
	expect(check(['--config', SHIPPED_CONFIG, '--out', out]).code).toBe(0);
	expect(check(['--config', SHIPPED_CONFIG, '--out', out, '--check']).code).toBe(0);
});

test('a workflow without a node the config needs, or with two where one is needed, or one the bindings do not know, fails with a message that says which and how to fix it', () => {
	const cfg = loadConfig(SHIPPED_CONFIG);
	const dir = tempDir();
	const copy = (f: string, edit: (wf: WorkflowFile) => void) => {
		const wf = JSON.parse(readWorkflowText(f)) as WorkflowFile;
		edit(wf);
		writeFileSync(join(dir, f), JSON.stringify(wf, null, '\t') + '\n');
	};
	copy('nightly-ingestion.json', (wf) => void (wf.nodes = wf.nodes.filter((n) => n.type !== 'n8n-nodes-base.scheduleTrigger')));
	expect(() => generateWorkflows(cfg, dir)).toThrow(
		'workflows/nightly-ingestion.json has no n8n-nodes-base.scheduleTrigger node for its ingestion schedule; restore it, or change the role in gen/workflows/bindings.ts',
	);
	copy('nightly-ingestion.json', (wf) => {
		const schedule = wf.nodes.find((n) => n.type === 'n8n-nodes-base.scheduleTrigger')!;
		wf.nodes.push({ ...schedule, id: 'x', name: 'Second Schedule' });
	});
	expect(() => generateWorkflows(cfg, dir)).toThrow(/has 2 \("Ingestion Schedule", "Second Schedule"\) where it needs exactly one n8n-nodes-base.scheduleTrigger node for its ingestion schedule/);
	rmSync(join(dir, 'nightly-ingestion.json'));
	writeFileSync(join(dir, 'my-own.json'), readWorkflowText('error-handler.json'));
	expect(() => generateWorkflows(cfg, dir)).toThrow('workflows/my-own.json has no entry in gen/workflows/bindings.ts; add one (an empty list when the config owns none of its parameters)');
	writeFileSync(join(dir, 'my-own.json'), '{ not json');
	expect(() => generateWorkflows(cfg, dir)).toThrow(/^workflows\/my-own.json cannot be read as JSON/);
});

describe('the config refuses what the workflows could not run, with the path', () => {
	const problems = (edit: (raw: Raw) => void) => {
		try {
			edited(edit);
			return [];
		} catch (error) {
			if (error instanceof ConfigError) return error.problems;
			throw error;
		}
	};
	test('a health interval the RAG Health Watch does not offer', () => {
		expect(problems((raw) => void (raw.healthChecks.every = '45s'))).toEqual([
			'healthChecks.every: must be an interval the RAG Health Watch offers: 5s, 10s, 15s, 20s, 30s, 1m, 2m, 5m, 10m, 15m, 30m, 1h',
		]);
	});
	test('a canary period no single Schedule Trigger interval can hold (90m is neither whole minutes under 1h nor whole hours)', () => {
		expect(problems((raw) => void (raw.retrieval[0] = { ...raw.retrieval[0], every: '90m', staleAfter: '4h' }))).toEqual([
			'retrieval[0].every: must be a period the Schedule Trigger offers: whole minutes under 1h (e.g. 15m), whole hours under 1d (e.g. 6h) or whole days (e.g. 1d)',
		]);
		expect(problems((raw) => void (raw.retrieval[0] = { ...raw.retrieval[0], every: '2h', staleAfter: '5h' }))).toEqual([]);
	});
	test('a cron n8n\'s Schedule Trigger would not run, in an ingestion source and in the backups', () => {
		expect(problems((raw) => void (raw.ingestion.sources[0].cron = '0 25 * * *'))).toEqual([
			'ingestion.sources[0].cron: is not a cron n8n\'s Schedule Trigger runs: hour field: "25" is not a valid hour (0-23)',
		]);
		expect(problems((raw) => void (raw.backups.cron = 'every night'))).toEqual([
			'backups.cron: is not a cron n8n\'s Schedule Trigger runs: must have 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, e.g. "0 2 * * *"; got 2',
		]);
	});
});

test('every cron the config accepts is one the `cron` package (what n8n 2.40 schedules with) accepts; malformed ones are refused by both', () => {
	const good = ['0 2 * * *', '30 3 * * *', '*/15 * * * *', '0 0 1 jan,jul *', '0 9-17/2 * * mon-fri', '15 4 * * 1-5', '0 0 * * 7', '*/10 * * * * *', '0 0 12 1 * 0', '5,10,15 1 1-31 1-12 0-6'];
	const bad = ['0 2 * *', '0 2 * * * * *', '60 * * * *', '0 24 * * *', '0 0 0 * *', '0 0 * 13 *', '0 0 * * 8', '*/0 * * * *', '5-1 * * * *', 'x * * * *', '0 0 * * funday', ''];
	for (const e of good) {
		expect({ e, ours: cronProblem(e) }).toEqual({ e, ours: undefined });
		expect(() => new CronTime(e)).not.toThrow();
	}
	for (const e of bad) {
		expect({ e, ours: typeof cronProblem(e) }).toEqual({ e, ours: 'string' });
		expect({ e, cronThrows: (() => { try { new CronTime(e); return false; } catch { return true; } })() }).toEqual({ e, cronThrows: true });
	}
});
