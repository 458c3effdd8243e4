/**
 * grafonnet/mixin.libsonnet: evaluated with jsonnet for Node and with the
 * jsonnet binary; with the default _config it reproduces the generated rules
 * and dashboards exactly; overriding _config changes the output; and its
 * alert and recording rules pass `promtool check rules`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Jsonnet } from '@hanazuki/node-jsonnet';
import { stringify } from 'yaml';
import { loadConfig } from '../../../gen/config/load';
import { buildRuleGroups } from '../../../gen/prometheus/rules';
import { DASHBOARDS } from '../../../gen/grafana';

const ROOT = join(__dirname, '../../..');
const cfg = loadConfig(join(ROOT, 'ragops.config.yaml'));

/** Evaluates `<mixin> + override` and returns its three outputs as plain JSON. */
function snippet(override = '{}'): string {
	return `local m = (import 'grafonnet/mixin.libsonnet') + ${override};
{ alerts: m.prometheusAlerts, rules: m.prometheusRules, dashboards: m.grafanaDashboards }`;
}

async function evalNode(override?: string): Promise<MixinOutput> {
	const out = await new Jsonnet().addJpath(ROOT).evaluateSnippet(snippet(override), join(ROOT, 'test.jsonnet'));
	return JSON.parse(out);
}

function evalBinary(override?: string): MixinOutput {
	return JSON.parse(execFileSync('jsonnet', ['-J', ROOT, '-e', snippet(override)], { cwd: ROOT, encoding: 'utf8' }));
}

interface Alert {
	alert: string;
	for: string;
	labels: Record<string, string>;
	annotations: Record<string, string>;
}
interface MixinOutput {
	alerts: { groups: { name: string; rules: Alert[] }[] };
	rules: { groups: { name: string; rules: object[] }[] };
	dashboards: Record<string, { tags: string[]; refresh: string }>;
}
const alertsOf = (out: MixinOutput) => out.alerts.groups.flatMap((g) => g.rules);
const isAlert = (r: object) => 'alert' in r;
const expectedGroups = (keep: (r: object) => boolean) =>
	buildRuleGroups(cfg)
		.map((g) => ({ name: g.name, rules: g.rules.filter(keep) }))
		.filter((g) => g.rules.length > 0);

function promtoolCheck(doc: unknown): { status: number | null; output: string } {
	const dir = mkdtempSync(join(tmpdir(), 'ragops-mixin-'));
	try {
		const file = join(dir, 'rules.yml');
		writeFileSync(file, stringify(doc, { lineWidth: 0 }));
		const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
		return { status: r.status, output: `${r.stdout}${r.stderr}` };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

describe('grafonnet mixin with the default _config', () => {
	let out: MixinOutput;
	beforeAll(async () => {
		out = await evalNode();
	});

	it('evaluates the same with jsonnet for Node and the jsonnet binary', () => {
		expect(evalBinary()).toEqual(out);
	});
	it('prometheusAlerts equals the generated alerting rules', () => {
		expect(out.alerts).toEqual({ groups: expectedGroups(isAlert) });
		expect(out.alerts.groups.length).toBeGreaterThan(0);
	});
	it('prometheusRules equals the generated recording rules', () => {
		expect(out.rules).toEqual({ groups: expectedGroups((r) => !isAlert(r)) });
	});
	it('grafanaDashboards equals the generated dashboard files', () => {
		expect(Object.keys(out.dashboards).sort()).toEqual(DASHBOARDS.map((d) => `${d.uid}.json`).sort());
		for (const d of DASHBOARDS) {
			expect(out.dashboards[`${d.uid}.json`]).toEqual(JSON.parse(readFileSync(join(ROOT, 'grafana/dashboards', `${d.uid}.json`), 'utf8')));
		}
	});
	it('its alert and recording rules pass promtool check rules', () => {
		const alerts = promtoolCheck(out.alerts);
		expect(alerts.output).toMatch(/SUCCESS/);
		expect(alerts.status).toBe(0);
		const recording = promtoolCheck(out.rules);
		expect(recording.status).toBe(0);
	});
});

describe('overriding the mixin _config', () => {
	it('runbookURLPattern rewrites every runbook_url', async () => {
		const out = await evalNode(`{ _config+:: { runbookURLPattern: 'https://x/%s' } }`);
		const alerts = alertsOf(out);
		expect(alerts.length).toBeGreaterThan(0);
		for (const a of alerts) expect(a.annotations.runbook_url).toBe(`https://x/${a.alert.toLowerCase()}`);
		expect(evalBinary(`{ _config+:: { runbookURLPattern: 'https://x/%s' } }`)).toEqual(out);
	});
	it('grafanaUrl, severities, alertFor and extra labels change the alerts they name', async () => {
		const first = buildRuleGroups(cfg).flatMap((g) => g.rules).find(isAlert) as { alert: string };
		const out = await evalNode(
			`{ _config+:: { grafanaUrl: 'https://grafana.example.com', severities: { ${first.alert}: 'info' }, alertFor: { ${first.alert}: '42m' }, extraAlertLabels: { team: 'search' } } }`,
		);
		const alerts = alertsOf(out);
		for (const a of alerts) {
			expect(a.annotations.dashboard_url).toMatch(/^https:\/\/grafana\.example\.com\/d\/ragops-[a-z0-9-]+$/);
			expect(a.labels.team).toBe('search');
		}
		const changed = alerts.filter((a) => a.alert === first.alert);
		for (const a of changed) expect(a).toMatchObject({ for: '42m', labels: { severity: 'info' } });
		expect(alerts.filter((a) => a.alert !== first.alert && a.for === '42m')).toEqual([]);
		expect(promtoolCheck(out.alerts).status).toBe(0);
	});
	it('dashboardTags and dashboardRefresh change every dashboard', async () => {
		const out = await evalNode(`{ _config+:: { dashboardTags: ['mine'], dashboardRefresh: '5m' } }`);
		for (const d of Object.values(out.dashboards)) {
			expect(d.tags[0]).toBe('mine');
			expect(d.tags).not.toContain('ragops');
			expect(d.refresh).toBe('5m');
		}
	});
	it('promtool rejects the mixin output when an override breaks a rule', async () => {
		const first = buildRuleGroups(cfg).flatMap((g) => g.rules).find(isAlert) as { alert: string };
		const out = await evalNode(`{ _config+:: { alertFor: { ${first.alert}: 'soon' } } }`);
		expect(promtoolCheck(out.alerts).status).not.toBe(0);
	});
});
