/**
 * Which parameters of the shipped workflows the config owns: one entry per
 * workflow file, each a list of node roles. A role finds its nodes by type
 * (and, where a workflow has several of that type, by a parameter such as the
 * operation), never by node name, so a renamed node or a restructured flow
 * keeps its binding. `count: 'one'` fails unless exactly one node matches.
 *
 * `set` returns the top-level parameters it owns, each with the config path
 * it comes from (the drift report of `npm run gen -- --check` names both); a
 * parameter the config does not give (an ingestion source without a cron)
 * is left as the workflow has it. Everything else in the file is hand-owned.
 *
 * To bind a new workflow or node: add a file entry or a role here.
 */
import { parseDuration } from '../duration';
import type { RagopsConfig } from '../config/schema';
import { healthTargets } from './targets';

export interface Owned {
	value: unknown;
	/** Config path the value comes from, for messages. */
	from: string;
}

export interface WorkflowNodeJson {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
	[key: string]: unknown;
}

export interface Role {
	/** What the node does in the workflow, for messages. */
	role: string;
	type: string;
	where?: (parameters: Record<string, unknown>) => boolean;
	count: 'one' | 'all';
	set: (config: RagopsConfig, node: WorkflowNodeJson) => Record<string, Owned>;
}

const NODES = 'n8n-nodes-ragops.';
const SCHEDULE = 'n8n-nodes-base.scheduleTrigger';

const seconds = (d: string) => parseDuration(d);

/** The Schedule Trigger's rule for one cron expression (what the editor writes for "Custom (Cron)"). */
function cronRule(expression: string, from: string): Record<string, Owned> {
	return { rule: { value: { interval: [{ field: 'cronExpression', expression }] }, from } };
}

/** Prometheus duration → restic-style keep-within (the node's syntax: `m` is months there, so whole hours or days). */
function keepWithin(duration: string | undefined): string {
	if (duration === undefined) return '';
	const s = seconds(duration);
	return s % 86400 === 0 ? `${s / 86400}d` : `${Math.ceil(s / 3600)}h`;
}

/** The workflows watch one source and one manifest: the first of each list (see docs/workflows.md). */
const SOURCE = 'ingestion.sources[0]';
const MANIFEST = 'ingestion.freshness[0]';

const ingestionSource: Role = {
	role: 'ingestion run',
	type: `${NODES}ragIngestion`,
	count: 'one',
	set: (cfg): Record<string, Owned> => {
		const source = cfg.ingestion.sources[0];
		return source ? { source: { value: source.name, from: `${SOURCE}.name` } } : {};
	},
};

const freshnessCheck: Role = {
	role: 'freshness check',
	type: `${NODES}ragFreshnessCheck`,
	count: 'one',
	set: (cfg): Record<string, Owned> => {
		const f = cfg.ingestion.freshness[0];
		if (!f) return {};
		return {
			manifestName: { value: f.manifest, from: `${MANIFEST}.manifest` },
			warnAfterHours: { value: seconds(f.warnAfter) / 3600, from: `${MANIFEST}.warnAfter` },
			errorAfterHours: { value: seconds(f.errorAfter) / 3600, from: `${MANIFEST}.errorAfter` },
		};
	},
};

/**
 * The Schedule Trigger's rule for a fixed period, in the unit the editor
 * offers for it (n8n caps each: minutes 1–59, hours 1–23, days 1–31). The
 * config refuses a canary period no unit can hold (schema.ts), so this
 * always finds one.
 */
export function periodRule(duration: string, from: string): Record<string, Owned> {
	const s = seconds(duration);
	const interval =
		s < 3600 && s % 60 === 0
			? { field: 'minutes', minutesInterval: s / 60 }
			: s < 86400 && s % 3600 === 0
				? { field: 'hours', hoursInterval: s / 3600 }
				: { field: 'days', daysInterval: s / 86400 };
	return { rule: { value: { interval: [interval] }, from } };
}

/** The workflows run one golden set: the first canary of the config (see docs/workflows.md). */
const CANARY = 'retrieval[0]';

/** Every RAG Retrieval Check of a workflow grades the canary's golden set against its service. */
const retrievalChecks: Role = {
	role: 'retrieval check',
	type: `${NODES}ragRetrievalCheck`,
	count: 'all',
	set: (cfg): Record<string, Owned> => {
		const canary = cfg.retrieval[0];
		const service = canary && cfg.services.find((s) => s.name === canary.service);
		if (!canary || !service) return {};
		return {
			checkName: { value: canary.goldenSet, from: `${CANARY}.goldenSet` },
			url: { value: `${service.scheme}://${service.address}`, from: `services[${canary.service}].address` },
		};
	},
};

/** The baseline row read from the data table is the one of that golden set. */
const baselineRead: Role = {
	role: 'baseline read',
	type: 'n8n-nodes-base.dataTable',
	where: (p) => p.resource === 'row' && p.operation === 'get',
	count: 'one',
	set: (cfg): Record<string, Owned> => {
		const canary = cfg.retrieval[0];
		return canary ? { filters: { value: { conditions: [{ keyName: 'goldenSet', keyValue: canary.goldenSet }] }, from: `${CANARY}.goldenSet` } } : {};
	},
};

const gate = [retrievalChecks, baselineRead];

const targets = (cfg: RagopsConfig, node: WorkflowNodeJson): Record<string, Owned> => ({
	targets: { value: { target: healthTargets(cfg, node.parameters.targets) }, from: 'services' },
});

export const WORKFLOW_BINDINGS: Readonly<Record<string, readonly Role[]>> = {
	'health-watch.json': [
		{
			role: 'health watch',
			type: `${NODES}ragHealthWatchTrigger`,
			count: 'one',
			set: (cfg, node) => ({
				interval: { value: seconds(cfg.healthChecks.every), from: 'healthChecks.every' },
				...targets(cfg, node),
			}),
		},
		{
			role: 'one-shot health check',
			type: `${NODES}ragHealthCheck`,
			where: (p) => (p.targetSource ?? 'list') === 'list',
			count: 'all',
			set: targets,
		},
	],
	'nightly-ingestion.json': [
		{
			role: 'ingestion schedule',
			type: SCHEDULE,
			count: 'one',
			set: (cfg): Record<string, Owned> => {
				const cron = cfg.ingestion.sources[0]?.cron;
				return cron === undefined ? {} : cronRule(cron, `${SOURCE}.cron`);
			},
		},
		{
			...ingestionSource,
			set: (cfg, node): Record<string, Owned> => {
				const source = cfg.ingestion.sources[0];
				if (!source) return {};
				return {
					...ingestionSource.set(cfg, node),
					maxRuntimeMinutes: { value: seconds(source.maxRuntime) / 60, from: `${SOURCE}.maxRuntime` },
				};
			},
		},
		freshnessCheck,
		...gate,
	],
	'feed-ingestion.json': [ingestionSource, ...gate],
	'repo-ingestion.json': [ingestionSource, ...gate],
	'freshness-watch.json': [freshnessCheck],
	'qdrant-backup.json': [
		{
			role: 'backup schedule',
			type: SCHEDULE,
			count: 'one',
			set: (cfg) => (cfg.backups ? cronRule(cfg.backups.cron, 'backups.cron') : {}),
		},
		{
			role: 'backup step',
			type: `${NODES}qdrantBackup`,
			where: (p) => p.resource === 'collection',
			count: 'all',
			// One collection per run of the shipped workflow: the first one listed (see docs/workflows.md).
			set: (cfg): Record<string, Owned> => (cfg.backups ? { collection: { value: cfg.backups.collections[0], from: 'backups.collections[0]' } } : {}),
		},
		{
			role: 'retention',
			type: `${NODES}qdrantBackup`,
			where: (p) => p.operation === 'applyRetention',
			count: 'one',
			set: (cfg): Record<string, Owned> => {
				if (!cfg.backups) return {};
				const r = cfg.backups.retention;
				const at = (key: string) => `backups.retention.${key}`;
				return {
					keepLast: { value: r.keepLast, from: at('keepLast') },
					keepDaily: { value: r.keepDaily, from: at('keepDaily') },
					keepWeekly: { value: r.keepWeekly, from: at('keepWeekly') },
					keepMonthly: { value: r.keepMonthly, from: at('keepMonthly') },
					keepWithin: { value: keepWithin(r.keepWithin), from: at('keepWithin') },
				};
			},
		},
	],
	'error-handler.json': [],
	'retrieval-canary.json': [
		{
			role: 'canary schedule',
			type: SCHEDULE,
			count: 'one',
			set: (cfg) => (cfg.retrieval[0] ? periodRule(cfg.retrieval[0].every, `${CANARY}.every`) : {}),
		},
		...gate,
	],
};
