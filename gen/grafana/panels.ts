/**
 * Building blocks every dashboard module shares: datasource references that go
 * through dashboard variables (so an imported dashboard works with any
 * datasource uid), panel factories that force a unit and a description, and
 * the final render step that gives panels stable ids and targets refIds.
 */
import {
	DashboardBuilder,
	DatasourceVariableBuilder,
	RowBuilder,
	type Panel,
	type RowPanel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as loki from '@grafana/grafana-foundation-sdk/loki';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as logs from '@grafana/grafana-foundation-sdk/logs';
import * as sdkCommon from '@grafana/grafana-foundation-sdk/common';

export const PROMETHEUS_VAR = 'prometheus_datasource';
export const LOKI_VAR = 'loki_datasource';
export const PROM_DS = { type: 'prometheus', uid: `\${${PROMETHEUS_VAR}}` };
export const LOKI_DS = { type: 'loki', uid: `\${${LOKI_VAR}}` };

/** Every dashboard carries these tags so users can find the bundle in Grafana's search. */
export const COMMON_TAGS = ['ragops', 'generated'];

export interface PanelSpec {
	title: string;
	description: string;
	unit: string;
	/** Width in grid columns (24 per row). */
	w: number;
	h: number;
}

export interface PromQuery {
	expr: string;
	legend?: string;
	/** Instant queries for stats and tables: the current value, not a range. */
	instant?: boolean;
	table?: boolean;
}

function promTarget(q: PromQuery): prometheus.DataqueryBuilder {
	const b = new prometheus.DataqueryBuilder().expr(q.expr).datasource(PROM_DS);
	if (q.legend) b.legendFormat(q.legend);
	if (q.instant) b.instant();
	else b.range();
	if (q.table) b.format(prometheus.PromQueryFormat.Table);
	return b;
}

function lokiTarget(expr: string, legend?: string): loki.DataqueryBuilder {
	const b = new loki.DataqueryBuilder().expr(expr).datasource(LOKI_DS);
	if (legend) b.legendFormat(legend);
	return b;
}

export type AnyPanelBuilder = timeseries.PanelBuilder | stat.PanelBuilder | table.PanelBuilder | logs.PanelBuilder;

function common<T extends AnyPanelBuilder>(b: T, spec: PanelSpec, ds: { type: string; uid: string }): T {
	b.title(spec.title).description(spec.description).unit(spec.unit).span(spec.w).height(spec.h).datasource(ds);
	return b;
}

export function timeseriesPanel(spec: PanelSpec, queries: PromQuery[]): timeseries.PanelBuilder {
	const b = common(new timeseries.PanelBuilder(), spec, PROM_DS);
	for (const q of queries) b.withTarget(promTarget(q));
	return b;
}

export function statPanel(spec: PanelSpec, queries: PromQuery[]): stat.PanelBuilder {
	const b = common(new stat.PanelBuilder(), spec, PROM_DS);
	for (const q of queries) b.withTarget(promTarget({ instant: true, ...q }));
	return b;
}

export function tablePanel(spec: PanelSpec, queries: PromQuery[]): table.PanelBuilder {
	const b = common(new table.PanelBuilder(), spec, PROM_DS);
	for (const q of queries) b.withTarget(promTarget({ instant: true, table: true, ...q }));
	return b;
}

export function lokiTimeseriesPanel(spec: PanelSpec, queries: { expr: string; legend?: string }[]): timeseries.PanelBuilder {
	const b = common(new timeseries.PanelBuilder(), spec, LOKI_DS);
	for (const q of queries) b.withTarget(lokiTarget(q.expr, q.legend));
	return b;
}

export function logsPanel(spec: PanelSpec, expr: string): logs.PanelBuilder {
	return common(new logs.PanelBuilder(), spec, LOKI_DS)
		.withTarget(lokiTarget(expr))
		.showTime(true)
		.wrapLogMessage(true)
		.sortOrder(sdkCommon.LogsSortOrder.Descending)
		.enableLogDetails(true);
}

export interface DashboardSpec {
	uid: string;
	title: string;
	description: string;
	tags: string[];
	datasources: ('prometheus' | 'loki')[];
	rows: { title: string; panels: AnyPanelBuilder[] }[];
}

/**
 * Builds the dashboard and renders it as stable JSON. Panel ids are numbered
 * in layout order and refIds lettered per panel, because the SDK leaves both
 * unset and Grafana would otherwise invent them on every load.
 */
export function renderDashboard(spec: DashboardSpec): string {
	const d = new DashboardBuilder(spec.title)
		.uid(spec.uid)
		.description(spec.description)
		.tags([...COMMON_TAGS, ...spec.tags])
		.refresh('1m')
		.time({ from: 'now-6h', to: 'now' })
		.timezone('browser')
		.editable();
	if (spec.datasources.includes('prometheus')) {
		d.withVariable(new DatasourceVariableBuilder(PROMETHEUS_VAR).label('Prometheus').type('prometheus'));
	}
	if (spec.datasources.includes('loki')) {
		d.withVariable(new DatasourceVariableBuilder(LOKI_VAR).label('Loki').type('loki'));
	}
	for (const row of spec.rows) {
		d.withRow(new RowBuilder(row.title));
		for (const p of row.panels) d.withPanel(p);
	}
	const json = d.build();
	let id = 1;
	const number = (panel: Panel | RowPanel) => {
		panel.id = id++;
		const targets = (panel as Panel).targets;
		targets?.forEach((t, i) => {
			(t as { refId?: string }).refId = String.fromCharCode(65 + i);
		});
		(panel as RowPanel).panels?.forEach(number);
	};
	(json.panels ?? []).forEach(number);
	return JSON.stringify(json, null, 2) + '\n';
}
