/**
 * The incident simulation: for a config, generate its rules and Alertmanager
 * config, produce each scenario's series (world.ts), evaluate the real rules
 * with `promtool test rules` (promtool.ts), and replay the alert timeline
 * through the generated routing, inhibition and timers (alertmanager.ts) in
 * several timer alignments: fault variants (scenarios.ts) × Prometheus rule-group
 * evaluation offsets × dispatcher maintenance phases.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { generateAll } from '../../../gen/cli';
import { loadConfig } from '../../../gen/config/load';
import { parseDuration } from '../../../gen/duration';
import { loadAlertmanager, replay, routeOf, toAmAlerts, type AlertmanagerModel, type Notification } from './alertmanager';
import { parseTimeline, runPromtool, writeTestFile, type FiringInterval, type Labels, type RunInput } from './promtool';
import { buildScenarios, type Scenario } from './scenarios';
import { produceSeries } from './world';

export const VARIANTS = 4;
export const AM_ALIGNMENTS = [
	{ seed: 0, maintenancePhase: 0 },
	{ seed: 1, maintenancePhase: 13 },
	{ seed: 2, maintenancePhase: 27 },
];

export interface Outcome {
	scenario: string;
	variant: number;
	alignment: number;
	notifications: Notification[];
	/** New notifications (not reminders or resolved) per receiver. */
	newBy: Record<string, number>;
	pages: number;
	firstAfter?: number;
	afterRecovery: Notification[];
}

export interface ScenarioReport {
	scenario: Scenario;
	outcomes: Outcome[];
}

export interface SimulationResult {
	configFile: string;
	reports: ScenarioReport[];
	routingChecked: number;
}

function hash(text: string): number {
	let h = 2166136261;
	for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
	return h;
}

function ruleGroups(rulesDir: string): Map<string, string> {
	const byAlert = new Map<string, string>();
	for (const f of readdirSync(rulesDir)) {
		const doc = parse(readFileSync(join(rulesDir, f), 'utf8')) as { groups: { name: string; rules: { alert?: string }[] }[] };
		for (const g of doc.groups) for (const r of g.rules) if (r.alert) byAlert.set(r.alert, g.name);
	}
	return byAlert;
}

/** Routing truth: amtool's answer for every distinct label set must equal the replay's. */
function checkRouting(amFile: string, model: AlertmanagerModel, labelSets: Labels[]): number {
	const seen = new Set<string>();
	for (const labels of labelSets) {
		const k = JSON.stringify(Object.entries(labels).sort());
		if (seen.has(k)) continue;
		seen.add(k);
		const args = ['config', 'routes', 'test', `--config.file=${amFile}`, ...Object.entries(labels).map(([n, v]) => `${n}=${v}`)];
		const amtool = execFileSync('amtool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
		const ours = routeOf(model, labels).receiver;
		if (amtool !== ours) throw new Error(`routing differs for ${k}: amtool says ${amtool}, the replay ${ours}`);
	}
	return seen.size;
}

export interface SimulateOptions {
	/** Only these scenarios (by name). */
	only?: string[];
	variants?: number;
	/**
	 * A folder holding already generated `prometheus/rules/*.yml` and
	 * `alertmanager/alertmanager.yml` to replay instead of generating them from
	 * the config (e.g. an older release's artefacts); the config still shapes the world.
	 */
	artefacts?: string;
}

export function simulate(configFile: string, opts: SimulateOptions = {}): SimulationResult {
	const cfg = loadConfig(configFile);
	const dir = mkdtempSync(join(tmpdir(), 'ragops-incidents-'));
	try {
		if (!opts.artefacts) {
			for (const f of generateAll(configFile)) {
				mkdirSync(dirname(join(dir, f.path)), { recursive: true });
				writeFileSync(join(dir, f.path), f.content);
			}
		}
		const root = opts.artefacts ?? dir;
		const rulesDir = join(root, 'prometheus/rules');
		const amFile = join(root, 'alertmanager/alertmanager.yml');
		const model = loadAlertmanager(readFileSync(amFile, 'utf8'));
		const groupOf = ruleGroups(rulesDir);
		const evalStep = parseDuration(cfg.prometheus.evaluationInterval);
		const variants = opts.variants ?? VARIANTS;

		const runs: { id: string; scenario: Scenario; variant: number; input: RunInput }[] = [];
		for (let v = 0; v < variants; v++) {
			for (const scenario of buildScenarios(cfg, v)) {
				if (opts.only && !opts.only.includes(scenario.name)) continue;
				const id = `r${runs.length}`;
				runs.push({ id, scenario, variant: v, input: { id, ...produceSeries(cfg, scenario.timeline) } });
			}
		}
		const file = writeTestFile(dir, join(rulesDir, '*.yml'), cfg.prometheus.evaluationInterval, runs.map((r) => r.input));
		const timelines = parseTimeline(runPromtool(file), cfg.prometheus.evaluationInterval);

		const allLabels: Labels[] = [];
		const byScenario = new Map<string, ScenarioReport>();
		for (const run of runs) {
			const s = run.scenario;
			let intervals: FiringInterval[] = timelines.get(run.id) ?? [];
			// The always-firing Watchdog from the first evaluation proves promtool evaluated this run's rules.
			if (!intervals.some((iv) => iv.labels.alertname === 'Watchdog' && iv.start === 0)) {
				throw new Error(`promtool evaluated no rules for ${s.name} (variant ${run.variant})`);
			}
			if (s.prometheusDiesAt !== undefined) {
				// Prometheus is gone: nothing is re-sent, Alertmanager resolves what it holds when endsAt
				// (last send + 4 × max(evaluation interval, resend delay of 1m)) passes.
				const expiry = s.prometheusDiesAt + 4 * Math.max(evalStep, 60);
				intervals = intervals.filter((iv) => iv.start < s.prometheusDiesAt!).map((iv) => ({ ...iv, end: iv.end ?? expiry }));
			}
			allLabels.push(...intervals.map((iv) => iv.labels));
			const report = byScenario.get(s.name) ?? { scenario: s, outcomes: [] };
			byScenario.set(s.name, report);
			AM_ALIGNMENTS.forEach((a, ai) => {
				const delay = (labels: Labels) => (hash(`${groupOf.get(labels.alertname) ?? ''}/${a.seed}`) % (evalStep * 1000)) / 1000;
				const alerts = toAmAlerts(intervals, delay, Infinity);
				const notifications = replay(model, alerts, { maintenancePhase: a.maintenancePhase, until: s.timeline.duration + 3600 });
				const newBy: Record<string, number> = {};
				for (const n of notifications) if (n.kind === 'new') newBy[n.receiver] = (newBy[n.receiver] ?? 0) + 1;
				const firing = notifications.filter((n) => n.kind !== 'resolved' && n.receiver !== 'heartbeat');
				report.outcomes.push({
					scenario: s.name,
					variant: run.variant,
					alignment: ai,
					notifications,
					newBy,
					pages: notifications.filter((n) => n.receiver === 'pagerduty' && n.page).length,
					firstAfter: firing.length > 0 ? firing[0].at - s.faultAt : undefined,
					afterRecovery: s.recoverAt === undefined ? [] : firing.filter((n) => n.at >= s.recoverAt!),
				});
			});
		}
		const routingChecked = checkRouting(amFile, model, allLabels);
		return { configFile, reports: [...byScenario.values()], routingChecked };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}
