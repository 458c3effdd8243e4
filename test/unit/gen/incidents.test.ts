/**
 * Incident simulation (test/support/incidents): whole incidents, as the real
 * producers' series, through the real `promtool test rules` and a replay of the
 * generated Alertmanager config (routing cross-checked with amtool), counted
 * per receiver in every timer alignment tried.
 *
 * RAGOPS_INCIDENTS_CONFIG points it at another config (default: the shipped
 * one); RAGOPS_INCIDENTS_VARIANTS sets the fault variants (default 1, ~3 min of
 * promtool; each is replayed in 3 Alertmanager alignments). `npm run incidents`
 * runs 4 (12 alignments), prints the table and fails on the same promises.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarise } from '../../support/incidents/report';
import { simulate, type ScenarioReport } from '../../support/incidents/simulate';
import { SHIPPED_CONFIG } from './prometheus/helpers';

const CONFIG = process.env.RAGOPS_INCIDENTS_CONFIG ?? SHIPPED_CONFIG;
const VARIANTS = Number(process.env.RAGOPS_INCIDENTS_VARIANTS ?? 1);

function expectOneIncidentEach(reports: ScenarioReport[]) {
	for (const report of reports) {
		const s = report.scenario;
		for (const o of report.outcomes) {
			const where = `${s.name}, variant ${o.variant}, alignment ${o.alignment}`;
			expect({ where, pagerduty: o.newBy.pagerduty ?? 0, slack: o.newBy.slack ?? 0 }).toEqual({ where, ...s.expect });
			// A page opens one PagerDuty incident; no second one for the same incident.
			expect({ where, pages: o.pages }).toEqual({ where, pages: s.expect.pagerduty });
			expect({ where, afterRecovery: o.afterRecovery.map((n) => `${n.receiver} ${n.alertnames.join(',')} at ${n.at}`) }).toEqual({ where, afterRecovery: [] });
			if (s.bound !== undefined) {
				expect(o.firstAfter).toBeDefined();
				expect({ where, withinBound: o.firstAfter! <= s.bound }).toEqual({ where, withinBound: true });
			}
		}
	}
}

describe(`incidents replayed through the generated rules and routing (${CONFIG})`, () => {
	let reports: ScenarioReport[];
	beforeAll(() => {
		reports = simulate(CONFIG, { variants: VARIANTS }).reports;
	}, 1_800_000);

	it('covers every scenario the bundle promises, in several alignments', () => {
		const names = reports.map((r) => r.scenario.name);
		for (const n of ['healthy baseline', 'hard outage', '5xx outage', 'dependency outage', 'slow service', 'error spike', 'crash loop', 'flapping', 'failed ingestion', 'stale ingestion', 'missed backup', 'failed backup', 'bad snapshot', 'slow backup', 'n8n down and back', 'Pushgateway down', 'Watchdog', 'bad re-index', 'good re-index', 'outage while the canary fails']) {
			expect(names).toContain(n);
		}
		for (const r of reports) expect(r.outcomes.length).toBe(VARIANTS * 3);
	});

	it('the healthy baseline, flapping, a slow backup and a good re-index notify nobody', () => {
		for (const n of ['healthy baseline', 'flapping', 'slow backup', 'good re-index']) {
			const r = reports.find((x) => x.scenario.name === n)!;
			for (const o of r.outcomes) expect(o.notifications.filter((x) => x.receiver !== 'heartbeat')).toEqual([]);
		}
	});

	it('every incident is one page or one Slack warning as its severity says, in time, and none after recovery', () => {
		expectOneIncidentEach(reports);
	});

	it('a bad re-index pages once, for retrieval quality; an outage while the canary fails pages once, for the outage', () => {
		const names = (n: string) => new Set(reports.find((x) => x.scenario.name === n)!.outcomes.flatMap((o) => o.notifications.filter((x) => x.receiver !== 'heartbeat').flatMap((x) => x.alertnames)));
		expect([...names('bad re-index')]).toEqual(['RagRetrievalQualityLow']);
		expect([...names('outage while the canary fails')]).toEqual(['RagApiDown']);
	});

	it('the heartbeat gets the Watchdog every repeat_interval while Prometheus runs, and nothing once it died', () => {
		const r = summarise(reports.find((x) => x.scenario.name === 'Watchdog')!);
		// repeat_interval 5m, checked at group_interval 1m ticks.
		expect(r.heartbeatMaxGap).toBeLessThanOrEqual(6 * 60);
		expect(r.lastHeartbeatAfterDeath).toBeLessThanOrEqual(4 * 60);
	});
});

describe('the suite runs against any generated config', () => {
	let dir: string;
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	it('a config with a non-critical RAG API, a longer hold and a shorter group_interval: a warning, once', () => {
		dir = mkdtempSync(join(tmpdir(), 'ragops-incidents-cfg-'));
		const file = join(dir, 'other.yaml');
		writeFileSync(
			file,
			`project: other
runbookBaseUrl: https://example.com/runbooks
services:
  - name: kb-api
    kind: rag-api
    address: kb:9000
    metricsPath: /metrics
    healthPath: /health
    critical: false
    dependsOn: [vectors]
    slo: { availability: 99.9 }
  - name: vectors
    kind: qdrant
    address: vectors:6333
    metricsPath: /metrics
    healthPath: /readyz
    critical: true
alerting:
  receivers:
    slack: { channel: "#kb", apiUrlFile: /run/slack }
    pagerduty: { routingKeyFile: /run/pd }
    heartbeat: { url: http://hb.example.com/ping }
  groupInterval: 2m
  downHold: 8m
`,
		);
		const { reports } = simulate(file, { variants: 1, only: ['hard outage', 'crash loop', 'dependency outage', 'n8n down and back'] });
		expect(reports.map((r) => r.scenario.name).sort()).toEqual(['crash loop', 'dependency outage', 'hard outage', 'n8n down and back']);
		expect(reports.find((r) => r.scenario.name === 'hard outage')!.scenario.expect).toEqual({ pagerduty: 0, slack: 1 });
		expectOneIncidentEach(reports);
	}, 600_000);
});
