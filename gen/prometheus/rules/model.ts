/**
 * The shape of generated rules and the one place every alert gets its
 * common labels and annotations (severity, service, runbook_url, dashboard_url).
 */
import type { RagopsConfig } from '../../config/schema';
import { goTemplateText, promqlString } from '../../escape';
import { DASHBOARD_UIDS, type DashboardUid } from '../../grafana/uids';

export type Severity = 'critical' | 'warning' | 'info';

/** The dashboards alerts link, under the name the rule files use (the uids live in gen/grafana/uids.ts). */
export const DASHBOARDS = DASHBOARD_UIDS;

/** The `service` label of alerts about the monitoring itself. */
export const META_SERVICE = 'ragops';

export interface RecordingRule {
	record: string;
	expr: string;
	labels?: Record<string, string>;
}

export interface AlertingRule {
	alert: string;
	expr: string;
	for: string;
	/** Prometheus ≥ 2.42 (the local promtool 2.42 and the pinned v3.5 image both take it). */
	keep_firing_for?: string;
	labels: Record<string, string>;
	annotations: Record<string, string>;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
	/** Prometheus group name. */
	name: string;
	/** File under prometheus/rules/ (without .yml). */
	file: string;
	rules: Rule[];
}

export interface AlertSpec {
	alert: string;
	expr: string;
	for: string;
	keepFiringFor?: string;
	severity: Severity;
	/** Static service label; omit only when every series of `expr` already carries `service`. */
	service?: string;
	summary: string;
	description: string;
	dashboard: DashboardUid;
	labels?: Record<string, string>;
}

export function runbookUrl(cfg: RagopsConfig, alert: string): string {
	return `${cfg.runbookBaseUrl}#${alert.toLowerCase()}`;
}

export function dashboardUrl(cfg: RagopsConfig, uid: DashboardUid): string {
	return `${cfg.grafanaUrl.replace(/\/+$/, '')}/d/${uid}`;
}

/** Builds an alerting rule with the labels and annotations every alert must carry. */
export function alertRule(cfg: RagopsConfig, spec: AlertSpec): AlertingRule {
	return {
		alert: spec.alert,
		expr: spec.expr,
		for: spec.for,
		...(spec.keepFiringFor ? { keep_firing_for: spec.keepFiringFor } : {}),
		labels: { severity: spec.severity, ...(spec.service ? { service: spec.service } : {}), ...(spec.labels ?? {}) },
		annotations: {
			summary: spec.summary,
			description: spec.description,
			// Annotations are Go templates: the URLs come from the config and may hold a `{{`.
			runbook_url: goTemplateText(runbookUrl(cfg, spec.alert)),
			dashboard_url: goTemplateText(dashboardUrl(cfg, spec.dashboard)),
		},
	};
}

export function isAlert(rule: Rule): rule is AlertingRule {
	return 'alert' in rule;
}

/** A number as PromQL and YAML print it: no float noise such as 0.07200000000000001. */
export function num(value: number): string {
	return String(Number(value.toPrecision(12)));
}

/** PromQL string literal of a label value (double quotes, escaped). */
export const q = promqlString;

/** Copies the pushed `target` label into `service`, so alerts on pushed metrics carry `service`. */
export function targetAsService(expr: string): string {
	return `label_replace(${expr}, "service", "$1", "target", "(.*)")`;
}
