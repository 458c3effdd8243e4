/**
 * grafonnet/: a jsonnet mixin façade over the same rules and dashboards
 * `npm run gen` writes, for kube-prometheus style users who compose
 * `prometheusAlerts`, `prometheusRules` and `grafanaDashboards` in jsonnet.
 *
 * The data is generated JSON (grafonnet/generated/*.json), so the mixin can
 * never drift from prometheus/rules and grafana/dashboards; the libsonnet
 * only applies `_config`, whose defaults reproduce the generated files
 * exactly (a test proves it).
 */
import type { RagopsConfig } from './config/schema';
import { buildRuleGroups } from './prometheus/rules';
import { DASHBOARDS } from './grafana';
import { COMMON_TAGS } from './grafana/panels';
import { GENERATED_HEADER, type GeneratedFile } from './types';
import { goTemplateText } from './escape';

const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';

/** `_config` defaults: with these the mixin's output equals the generated files. */
export function mixinDefaults(cfg: RagopsConfig): Record<string, unknown> {
	return {
		// std.format pattern; % in the base URL is escaped so it survives formatting. Both URLs end up in
		// annotations, which Prometheus expands as Go templates, so they are template-escaped like the rules'.
		runbookURLPattern: `${goTemplateText(cfg.runbookBaseUrl).replace(/%/g, '%%')}#%s`,
		grafanaUrl: goTemplateText(cfg.grafanaUrl.replace(/\/+$/, '')),
		dashboardTags: COMMON_TAGS,
		dashboardRefresh: '1m',
		// alertname → `for` override, e.g. { RagApiHighErrorRate: '15m' }.
		alertFor: {},
		// alertname → severity override, e.g. { QdrantNotReady: 'warning' }.
		severities: {},
		// Extra labels put on every alert, e.g. { team: 'search' }.
		extraAlertLabels: {},
	};
}

/** The rule groups in Prometheus rule-file shape (without the generator's file names). */
export function mixinRuleGroups(cfg: RagopsConfig) {
	return buildRuleGroups(cfg).map((g) => ({ name: g.name, rules: g.rules }));
}

export function mixinDashboards(cfg: RagopsConfig): Record<string, unknown> {
	return Object.fromEntries(DASHBOARDS.map((d) => [`${d.uid}.json`, JSON.parse(d.build(cfg))]));
}

const LIBSONNET = `// ${GENERATED_HEADER}
//
// Usage (kube-prometheus style):
//   local ragops = (import 'grafonnet/mixin.libsonnet') + {
//     _config+:: { runbookURLPattern: 'https://runbooks.example.com/ragops#%s', severities: { QdrantNotReady: 'warning' } },
//   };
//   { alerts: ragops.prometheusAlerts, rules: ragops.prometheusRules, dashboards: ragops.grafanaDashboards }
local rules = import 'generated/rules.json';
local dashboards = import 'generated/dashboards.json';
local defaults = import 'generated/config.json';

{
  _config:: defaults,

  // The dashboard uid is the last path segment of the generated dashboard_url (jsonnet 0.18 splits on one character only).
  local lastSegment(url) = local parts = std.split(url, '/'); parts[std.length(parts) - 1],
  local override(map, key, fallback) = if std.objectHas(map, key) then map[key] else fallback,

  local withConfig(rule) = rule {
    'for': override($._config.alertFor, rule.alert, rule['for']),
    labels: rule.labels + $._config.extraAlertLabels + {
      severity: override($._config.severities, rule.alert, rule.labels.severity),
    },
    annotations: rule.annotations {
      runbook_url: std.format($._config.runbookURLPattern, std.asciiLower(rule.alert)),
      dashboard_url: $._config.grafanaUrl + '/d/' + lastSegment(rule.annotations.dashboard_url),
    },
  },

  local isAlert(rule) = std.objectHas(rule, 'alert'),
  local groupsOf(keep, transform) = [
    { name: g.name, rules: [transform(r) for r in g.rules if keep(r)] }
    for g in rules.groups
    if std.length([r for r in g.rules if keep(r)]) > 0
  ],

  prometheusAlerts+:: { groups+: groupsOf(isAlert, withConfig) },
  prometheusRules+:: { groups+: groupsOf(function(r) !isAlert(r), function(r) r) },

  grafanaDashboards+:: {
    [name]: dashboards[name] {
      tags: $._config.dashboardTags + [t for t in dashboards[name].tags if !std.member(defaults.dashboardTags, t)],
      refresh: $._config.dashboardRefresh,
    }
    for name in std.objectFields(dashboards)
  },
}
`;

export function generateMixin(cfg: RagopsConfig): GeneratedFile[] {
	return [
		{ path: 'grafonnet/mixin.libsonnet', content: LIBSONNET },
		{ path: 'grafonnet/generated/rules.json', content: json({ groups: mixinRuleGroups(cfg) }) },
		{ path: 'grafonnet/generated/dashboards.json', content: json(mixinDashboards(cfg)) },
		{ path: 'grafonnet/generated/config.json', content: json(mixinDefaults(cfg)) },
	];
}
