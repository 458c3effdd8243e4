/**
 * Dashboard lint, after grafana/dashboard-linter's rules, over the generated
 * JSON (not the builders), so it also catches what a hand edit would break.
 * Each rule returns human-readable problems; an empty list means clean.
 *
 * PromQL and LogQL are parsed with the grammars Grafana's and Prometheus'
 * editors use; Grafana's interval variables are swapped for sentinel
 * durations first so the grammars accept them and the rules can tell them
 * apart from hard-coded windows.
 */
import { parser as promParser } from '@prometheus-io/lezer-promql';
import { parser as logqlParser } from '@grafana/lezer-logql';
import type { SyntaxNode } from '@lezer/common';
import type { MetricCatalog } from '../catalog';

export interface DashboardJson {
	uid?: string;
	title?: string;
	tags?: string[];
	refresh?: string | false;
	templating?: { list?: { name: string; type: string; query?: string }[] };
	panels?: PanelJson[];
}

export interface PanelJson {
	id?: number;
	type: string;
	title?: string;
	description?: string;
	gridPos?: { x: number; y: number; w: number; h: number };
	datasource?: { type?: string; uid?: string };
	fieldConfig?: { defaults?: { unit?: string } };
	targets?: { expr?: string; refId?: string; datasource?: { type?: string; uid?: string } }[];
	panels?: PanelJson[];
}

const RATE_SENTINEL = '7777s';
const RANGE_SENTINEL = '8888s';
const OTHER_SENTINEL = '9999s';

/** Grafana interval variables → sentinel durations the grammars accept. */
export function substituteVariables(expr: string): string {
	return expr
		.replace(/\$__rate_interval/g, RATE_SENTINEL)
		.replace(/\$__range/g, RANGE_SENTINEL)
		.replace(/\$__(auto|interval)/g, OTHER_SENTINEL);
}

/** Panels that hold queries (rows only lay out). */
export function contentPanels(d: DashboardJson): PanelJson[] {
	return (d.panels ?? []).flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));
}

function allPanels(d: DashboardJson): PanelJson[] {
	return (d.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
}

const name = (p: PanelJson) => `panel ${p.id ?? '?'} "${p.title ?? ''}"`;

export const ANGULAR_PANEL_TYPES = ['graph', 'singlestat', 'table-old', 'grafana-piechart-panel', 'grafana-worldmap-panel'];
export const DATASOURCE_VARIABLES: Record<string, string> = {
	prometheus: '${prometheus_datasource}',
	loki: '${loki_datasource}',
};

export function lintDatasources(d: DashboardJson): string[] {
	const problems: string[] = [];
	const variables = new Set((d.templating?.list ?? []).filter((v) => v.type === 'datasource').map((v) => `\${${v.name}}`));
	for (const p of contentPanels(d)) {
		for (const ds of [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]) {
			const expected = ds?.type ? DATASOURCE_VARIABLES[ds.type] : undefined;
			if (!ds || !expected || ds.uid !== expected) problems.push(`${name(p)}: datasource ${JSON.stringify(ds)} is not a datasource variable`);
			else if (!variables.has(expected)) problems.push(`${name(p)}: uses ${expected} but the dashboard defines no such variable`);
		}
	}
	return problems;
}

export function lintPanelTypes(d: DashboardJson): string[] {
	return contentPanels(d)
		.filter((p) => ANGULAR_PANEL_TYPES.includes(p.type))
		.map((p) => `${name(p)}: Angular panel type ${p.type}`);
}

export function lintUnitsAndDescriptions(d: DashboardJson): string[] {
	const problems: string[] = [];
	for (const p of contentPanels(d)) {
		if (!p.fieldConfig?.defaults?.unit) problems.push(`${name(p)}: no unit`);
		if (!p.description?.trim()) problems.push(`${name(p)}: no description`);
	}
	return problems;
}

export function lintIdsAndLayout(d: DashboardJson): string[] {
	const problems: string[] = [];
	const ids = new Map<number, number>();
	for (const p of allPanels(d)) {
		if (typeof p.id !== 'number') problems.push(`${name(p)}: no id`);
		else ids.set(p.id, (ids.get(p.id) ?? 0) + 1);
	}
	for (const [id, n] of ids) if (n > 1) problems.push(`panel id ${id} used ${n} times`);
	const placed = allPanels(d).filter((p) => p.gridPos);
	for (const p of allPanels(d)) {
		if (!p.gridPos) problems.push(`${name(p)}: no gridPos`);
		else if (p.gridPos.x < 0 || p.gridPos.x + p.gridPos.w > 24) problems.push(`${name(p)}: outside the 24-column grid`);
	}
	for (let i = 0; i < placed.length; i++) {
		for (let j = i + 1; j < placed.length; j++) {
			const a = placed[i].gridPos!;
			const b = placed[j].gridPos!;
			if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) {
				problems.push(`${name(placed[i])} overlaps ${name(placed[j])}`);
			}
		}
	}
	return problems;
}

export function lintDashboardMeta(d: DashboardJson, expectedUid: string): string[] {
	const problems: string[] = [];
	if (d.uid !== expectedUid) problems.push(`uid ${d.uid} is not the fixed ${expectedUid}`);
	if (!d.refresh) problems.push('no refresh');
	if (!d.tags?.length) problems.push('no tags');
	return problems;
}

/** [panel, expr] of every target of the given datasource type. */
export function targetsOf(d: DashboardJson, type: 'prometheus' | 'loki'): [PanelJson, string][] {
	return contentPanels(d).flatMap((p) =>
		(p.targets ?? []).filter((t) => (t.datasource?.type ?? p.datasource?.type) === type).map((t) => [p, t.expr ?? ''] as [PanelJson, string]),
	);
}

function errorNodes(tree: { iterate: (spec: { enter: (n: { type: { isError: boolean }; from: number }) => void }) => void }): number[] {
	const at: number[] = [];
	tree.iterate({ enter: (n) => { if (n.type.isError) at.push(n.from); } });
	return at;
}

export function promqlErrors(expr: string): number[] {
	return errorNodes(promParser.parse(substituteVariables(expr)));
}

export function logqlErrors(expr: string): number[] {
	return errorNodes(logqlParser.parse(substituteVariables(expr)));
}

export function lintQuerySyntax(d: DashboardJson): string[] {
	const problems: string[] = [];
	for (const [p, expr] of targetsOf(d, 'prometheus')) {
		if (!expr || promqlErrors(expr).length) problems.push(`${name(p)}: PromQL does not parse: ${expr}`);
	}
	for (const [p, expr] of targetsOf(d, 'loki')) {
		if (!expr || logqlErrors(expr).length) problems.push(`${name(p)}: LogQL does not parse: ${expr}`);
	}
	return problems;
}

const RANGE_FUNCTIONS = new Set(['rate', 'irate', 'increase']);

function ancestorFunction(node: SyntaxNode, expr: string): string | undefined {
	for (let n: SyntaxNode | null = node.parent; n; n = n.parent) {
		if (n.name === 'FunctionCall') {
			const id = n.getChild('FunctionIdentifier');
			return id ? expr.slice(id.from, id.to) : undefined;
		}
		if (n.name !== 'MatrixSelector' && n.name !== 'FunctionCallBody') return undefined;
	}
	return undefined;
}

/**
 * `rate`/`irate` windows must be `$__rate_interval`; `increase` may also use
 * `$__range` (a total over the panel's time range, e.g. an error budget).
 */
export function lintRateIntervals(d: DashboardJson): string[] {
	const problems: string[] = [];
	for (const [p, raw] of targetsOf(d, 'prometheus')) {
		const expr = substituteVariables(raw);
		promParser.parse(expr).iterate({
			enter: (ref) => {
				if (ref.name !== 'FunctionCall') return;
				const fn = expr.slice(ref.node.getChild('FunctionIdentifier')!.from, ref.node.getChild('FunctionIdentifier')!.to);
				if (!RANGE_FUNCTIONS.has(fn)) return;
				const matrix = ref.node.getChild('FunctionCallBody')?.getChild('MatrixSelector');
				const duration = matrix?.getChild('DurationExpr');
				const window = duration ? expr.slice(duration.from, duration.to) : '';
				const allowed = fn === 'increase' ? [RATE_SENTINEL, RANGE_SENTINEL] : [RATE_SENTINEL];
				if (!allowed.includes(window)) problems.push(`${name(p)}: ${fn}() over [${window}] instead of $__rate_interval: ${raw}`);
			},
		});
	}
	return problems;
}

/** Counters (and histogram series) may only appear inside rate/irate/increase. */
export function lintCounters(d: DashboardJson, catalog: MetricCatalog): string[] {
	const problems: string[] = [];
	for (const [p, raw] of targetsOf(d, 'prometheus')) {
		const expr = substituteVariables(raw);
		promParser.parse(expr).iterate({
			enter: (ref) => {
				if (ref.name !== 'VectorSelector') return;
				const id = ref.node.getChild('Identifier');
				const metric = id ? expr.slice(id.from, id.to) : '';
				const type = catalog.get(metric)?.type;
				if (type !== 'counter' && type !== 'histogram') return;
				const fn = ancestorFunction(ref.node, expr);
				if (!fn || !RANGE_FUNCTIONS.has(fn)) problems.push(`${name(p)}: counter ${metric} used outside rate/increase: ${raw}`);
			},
		});
	}
	return problems;
}
