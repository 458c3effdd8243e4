/**
 * Grafana artefacts: provisioning shape and dashboard lint over the generated
 * JSON. Every lint rule is also run on a hand-broken copy to prove it can fail.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadConfig, parseConfig } from '../../../../gen/config/load';
import { generateGrafana, DASHBOARDS } from '../../../../gen/grafana';
import { buildCatalog, unknownMetrics, withRecordingRules } from '../../../../gen/catalog';
import { buildRuleGroups } from '../../../../gen/prometheus/rules';
import type { RagopsConfig } from '../../../../gen/config/schema';
import {
	contentPanels,
	lintCounters,
	lintDashboardMeta,
	lintDatasources,
	lintIdsAndLayout,
	lintPanelTypes,
	lintQuerySyntax,
	lintRateIntervals,
	lintUnitsAndDescriptions,
	targetsOf,
	type DashboardJson,
} from '../../../../gen/grafana/lint';
import type { GeneratedFile } from '../../../../gen/types';

const ROOT = join(__dirname, '../../../..');
const cfg = loadConfig(join(ROOT, 'ragops.config.yaml'));
const files = generateGrafana(cfg);
const file = (path: string): GeneratedFile => {
	const f = files.find((x) => x.path === path);
	if (!f) throw new Error(`not generated: ${path}`);
	return f;
};
const dashboards: [string, DashboardJson][] = DASHBOARDS.map((d) => [
	d.uid,
	JSON.parse(file(`grafana/dashboards/${d.uid}.json`).content),
]);
/** Every metric a producer emits plus the recording rules the Prometheus rules define (dashboards reuse them). */
const catalogFor = (c: RagopsConfig) =>
	withRecordingRules(
		buildCatalog(c),
		buildRuleGroups(c).flatMap((g) => g.rules.flatMap((r) => ('record' in r ? [r.record] : []))),
	);
const copy = (d: DashboardJson): DashboardJson => JSON.parse(JSON.stringify(d));
const byUid = (uid: string) => copy(dashboards.find(([u]) => u === uid)![1]);

describe('Grafana provisioning', () => {
	it('provisions Prometheus, Loki and Alertmanager with the fixed uids and URLs', () => {
		const doc = parse(file('grafana/provisioning/datasources/datasources.yml').content);
		expect(doc.apiVersion).toBe(1);
		const byUidDs = Object.fromEntries(doc.datasources.map((d: { uid: string }) => [d.uid, d]));
		expect(byUidDs.prometheus).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
		expect(byUidDs.loki).toMatchObject({ type: 'loki', url: 'http://loki:3100' });
		expect(byUidDs.alertmanager).toMatchObject({
			type: 'alertmanager',
			url: 'http://alertmanager:9093',
			jsonData: { implementation: 'prometheus' },
		});
	});

	it('loads dashboards from files in the directory compose mounts', () => {
		const doc = parse(file('grafana/provisioning/dashboards/dashboards.yml').content);
		expect(doc.apiVersion).toBe(1);
		expect(doc.providers).toHaveLength(1);
		expect(doc.providers[0]).toMatchObject({ type: 'file', options: { path: '/etc/grafana/dashboards' } });
	});

	it('writes the seven dashboards with their fixed uids', () => {
		expect(dashboards.map(([uid]) => uid).sort()).toEqual(
			['ragops-ingestion', 'ragops-logs', 'ragops-n8n', 'ragops-overview', 'ragops-rag-api', 'ragops-retrieval', 'ragops-vector-db'],
		);
	});

	it('is deterministic and matches the committed files', () => {
		const again = generateGrafana(loadConfig(join(ROOT, 'ragops.config.yaml')));
		expect(again).toEqual(files);
		for (const f of files) expect(readFileSync(join(ROOT, f.path), 'utf8')).toBe(f.content);
	});
});

describe.each(dashboards)('dashboard %s', (uid, d) => {
	const catalog = catalogFor(cfg);
	it('has its fixed uid, a refresh and tags', () => expect(lintDashboardMeta(d, uid)).toEqual([]));
	it('has panels, each with at least one query', () => {
		expect(contentPanels(d).length).toBeGreaterThan(0);
		for (const p of contentPanels(d)) expect(p.targets?.length).toBeGreaterThan(0);
	});
	it('queries only through datasource variables', () => expect(lintDatasources(d)).toEqual([]));
	it('uses no Angular panel types', () => expect(lintPanelTypes(d)).toEqual([]));
	it('gives every panel a unit and a description', () => expect(lintUnitsAndDescriptions(d)).toEqual([]));
	it('has unique panel ids and no overlapping panels', () => expect(lintIdsAndLayout(d)).toEqual([]));
	it('parses every PromQL and LogQL target with its grammar', () => expect(lintQuerySyntax(d)).toEqual([]));
	it('uses $__rate_interval in every rate()', () => expect(lintRateIntervals(d)).toEqual([]));
	it('uses counters only inside rate/increase', () => expect(lintCounters(d, catalog)).toEqual([]));
	it('queries only metrics a known producer emits', () => {
		const unknown = targetsOf(d, 'prometheus').flatMap(([, expr]) => unknownMetrics(expr, catalog));
		expect(unknown).toEqual([]);
	});
});

describe('each lint rule fails on a hand-broken dashboard', () => {
	const catalog = catalogFor(cfg);
	it('hard-coded datasource uid', () => {
		const d = byUid('ragops-rag-api');
		contentPanels(d)[0].datasource = { type: 'prometheus', uid: 'prometheus' };
		expect(lintDatasources(d)).toHaveLength(1);
	});
	it('datasource variable the dashboard does not define', () => {
		const d = byUid('ragops-logs');
		d.templating!.list = [];
		expect(lintDatasources(d).length).toBeGreaterThan(0);
	});
	it('Angular panel', () => {
		const d = byUid('ragops-overview');
		contentPanels(d)[0].type = 'singlestat';
		expect(lintPanelTypes(d)).toHaveLength(1);
	});
	it('missing unit and description', () => {
		const d = byUid('ragops-n8n');
		const p = contentPanels(d)[0];
		delete p.fieldConfig!.defaults!.unit;
		p.description = ' ';
		expect(lintUnitsAndDescriptions(d)).toHaveLength(2);
	});
	it('duplicate id and overlapping gridPos', () => {
		const d = byUid('ragops-ingestion');
		const [a, b] = contentPanels(d);
		b.id = a.id;
		b.gridPos = { ...a.gridPos!, x: a.gridPos!.x + 1 };
		const problems = lintIdsAndLayout(d);
		expect(problems.some((p) => p.includes('used 2 times'))).toBe(true);
		expect(problems.some((p) => p.includes('overlaps'))).toBe(true);
	});
	it('panel sticking out of the grid', () => {
		const d = byUid('ragops-ingestion');
		contentPanels(d)[0].gridPos!.w = 30;
		expect(lintIdsAndLayout(d).some((p) => p.includes('outside'))).toBe(true);
	});
	it('hard-coded rate window', () => {
		const d = byUid('ragops-rag-api');
		const t = contentPanels(d)[0].targets![0];
		t.expr = t.expr!.replace('$__rate_interval', '5m');
		expect(lintRateIntervals(d)).toHaveLength(1);
	});
	it('bare counter', () => {
		const d = byUid('ragops-rag-api');
		contentPanels(d)[0].targets![0].expr = 'sum(http_requests_total{job="rag-api"})';
		expect(lintCounters(d, catalog)).toHaveLength(1);
	});
	it('PromQL and LogQL that do not parse', () => {
		const prom = byUid('ragops-n8n');
		contentPanels(prom)[0].targets![0].expr = 'sum(rate(foo[$__rate_interval])';
		expect(lintQuerySyntax(prom)).toHaveLength(1);
		const logs = byUid('ragops-logs');
		contentPanels(logs)[0].targets![0].expr = 'sum by (service) (rate({service=~".+"} |~ [$__auto]))';
		expect(lintQuerySyntax(logs)).toHaveLength(1);
	});
	it('wrong uid, no refresh, no tags', () => {
		const d = byUid('ragops-overview');
		d.uid = 'random';
		d.refresh = false;
		d.tags = [];
		expect(lintDashboardMeta(d, 'ragops-overview')).toHaveLength(3);
	});
	it('unknown metric', () => {
		expect(unknownMetrics('rate(made_up_total[$__rate_interval])'.replace('$__rate_interval', '5m'), catalog)).toEqual([
			'made_up_total',
		]);
	});
});

describe('RAG API dashboard follows the configured metric names', () => {
	it('uses a custom latency histogram and status label', () => {
		const raw = parse(readFileSync(join(ROOT, 'ragops.config.yaml'), 'utf8'));
		raw.services[0].metrics = {
			requestsTotal: 'kb_requests_total',
			statusLabel: 'code',
			errorStatusRegex: '5..',
			latencyHistogram: 'kb_query_duration_seconds',
			routeLabel: 'handler',
		};
		const custom = parseConfig(stringify(raw));
		const d: DashboardJson = JSON.parse(
			generateGrafana(custom).find((f) => f.path === 'grafana/dashboards/ragops-rag-api.json')!.content,
		);
		const exprs = targetsOf(d, 'prometheus').map(([, e]) => e).join('\n');
		expect(exprs).toContain('kb_query_duration_seconds_bucket');
		expect(exprs).toContain('code=~"5.."');
		expect(exprs).not.toContain('http_request');
		const catalog = catalogFor(custom);
		expect(targetsOf(d, 'prometheus').flatMap(([, e]) => unknownMetrics(e, catalog))).toEqual([]);
		expect(lintCounters(d, catalog)).toEqual([]);
	});
});

describe('Retrieval quality dashboard and the overview retrieval row', () => {
	const exprsOf = (d: DashboardJson) => targetsOf(d, 'prometheus').map(([, e]) => e).join('\n');

	it('charts every run-level retrieval measure the node pushes, and the verdict', () => {
		const exprs = exprsOf(byUid('ragops-retrieval'));
		for (const metric of [
			'ragops_retrieval_hit_rate',
			'ragops_retrieval_recall',
			'ragops_retrieval_mrr',
			'ragops_retrieval_ndcg',
			'ragops_retrieval_baseline_overlap',
			'ragops_retrieval_empty_result_ratio',
			'ragops_retrieval_error_ratio',
			'ragops_retrieval_latency_p50_seconds',
			'ragops_retrieval_latency_p95_seconds',
			'ragops_retrieval_latency_max_seconds',
			'ragops_retrieval_status',
			'ragops_retrieval_last_run_timestamp_seconds',
			'ragops_retrieval_cases',
		]) {
			expect([metric, exprs.includes(`${metric}{job="ragops_retrieval"`)]).toEqual([metric, true]);
		}
	});

	it('the overview has a retrieval row only when a canary is configured', () => {
		const titles = (d: DashboardJson) => (d.panels ?? []).map((p) => (p as { title?: string }).title);
		expect(titles(byUid('ragops-overview'))).toContain('Retrieval quality');
		const raw = parse(readFileSync(join(ROOT, 'ragops.config.yaml'), 'utf8'));
		delete raw.retrieval;
		const none: DashboardJson = JSON.parse(generateGrafana(parseConfig(stringify(raw))).find((f) => f.path === 'grafana/dashboards/ragops-overview.json')!.content);
		expect(titles(none)).not.toContain('Retrieval quality');
		expect(exprsOf(none)).not.toContain('ragops_retrieval');
	});
});
