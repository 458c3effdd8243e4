/**
 * prometheus/rules/*.yml: one rule group per concern, one file per group.
 * `buildRuleGroups` is the one source for the rule files and the jsonnet mixin.
 */
import { stringify } from 'yaml';
import type { RagopsConfig } from '../config/schema';
import { GENERATED_HEADER, type GeneratedFile } from '../types';
import { RULES_DIR } from './endpoints';
import { scrapeJobs } from './scrape';
import { isAlert, type AlertingRule, type RecordingRule, type RuleGroup } from './rules/model';
import { ragApiCauseAlerts, ragApiRecordingRules, ragApiSloAlerts } from './rules/ragApi';
import { serviceDownAlerts } from './rules/services';
import { qdrantAlerts, qdrantRecordingRules } from './rules/qdrant';
import { backupAlerts, freshnessAlerts, ingestionAlerts } from './rules/batch';
import { healthAlerts, pushesStaleAlerts } from './rules/health';
import { retrievalAlerts } from './rules/retrieval';
import { absentTargetAlerts, componentAlerts, n8nAlerts, watchdogAlerts } from './rules/meta';

export type { RuleGroup, AlertingRule, RecordingRule };

export function buildRuleGroups(cfg: RagopsConfig): RuleGroup[] {
	const groups: RuleGroup[] = [
		{ name: 'ragops.recording', file: 'recording', rules: [...ragApiRecordingRules(cfg), ...qdrantRecordingRules(cfg)] },
		{ name: 'ragops.slo', file: 'slo', rules: ragApiSloAlerts(cfg) },
		{ name: 'ragops.rag-api', file: 'rag-api', rules: ragApiCauseAlerts(cfg) },
		{ name: 'ragops.services', file: 'services', rules: serviceDownAlerts(cfg) },
		{ name: 'ragops.qdrant', file: 'qdrant', rules: qdrantAlerts(cfg) },
		{ name: 'ragops.ingestion', file: 'ingestion', rules: [...ingestionAlerts(cfg), ...freshnessAlerts(cfg)] },
		{ name: 'ragops.backups', file: 'backups', rules: backupAlerts(cfg) },
		{ name: 'ragops.retrieval', file: 'retrieval', rules: retrievalAlerts(cfg) },
		{ name: 'ragops.health', file: 'health', rules: [...healthAlerts(cfg), ...pushesStaleAlerts(cfg)] },
		{
			name: 'ragops.meta',
			file: 'meta',
			rules: [
				...watchdogAlerts(cfg),
				...n8nAlerts(cfg),
				...componentAlerts(cfg),
				...absentTargetAlerts(
					cfg,
					scrapeJobs(cfg).map((j) => j.job_name),
				),
			],
		},
	];
	return groups.filter((g) => g.rules.length > 0);
}

/** Every alerting rule, flattened (tests, runbooks, the mixin). */
export function allAlerts(cfg: RagopsConfig): AlertingRule[] {
	return buildRuleGroups(cfg).flatMap((g) => g.rules.filter(isAlert));
}

export function generatePrometheusRules(cfg: RagopsConfig): GeneratedFile[] {
	return buildRuleGroups(cfg).map((g) => ({
		path: `prometheus/${RULES_DIR}/${g.file}.yml`,
		content: `# ${GENERATED_HEADER}\n${stringify({ groups: [{ name: g.name, rules: g.rules }] }, { lineWidth: 0 })}`,
	}));
}
