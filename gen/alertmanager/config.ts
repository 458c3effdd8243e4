/**
 * alertmanager/alertmanager.yml and its notification template.
 *
 * Routing by severity (critical → PagerDuty, warning → Slack, info → null),
 * the Watchdog to a heartbeat receiver. Secrets only through `*_file` fields
 * (`api_url_file` and `routing_key_file` both exist in Alertmanager 0.25).
 *
 * Inhibition uses only `severity`, `service` and `alertname`, which every
 * generated alert carries:
 * - the same alert at a higher severity hides the lower one (SLO page vs ticket,
 *   freshness error vs stale, a critical health target vs warning);
 * - a service that is down hides its other alerts (errors, latency, backups …);
 * - a service that is down hides the alerts of services that depend on it (`dependsOn`);
 * - n8n down hides "health pushes stale" (the pushes stop because n8n is down);
 * - a failing batch job hides its own "too old / stale" alert (one cause, one
 *   message), and a stale freshness manifest hides "ingestion stale" (the
 *   manifest is what goes stale when ingestion stops, and says so first);
 * - a retrieval quality alert hides the drift alert of the same golden set (a
 *   bad re-index moves the rankings too; the quality alert is the one to act on).
 * Down alerts are held firing after recovery (`alerting.downHold`, keep_firing_for
 * in the rules), so the inhibition they source outlives the outage as long as
 * the consequences they hide lag it.
 */
import { stringify } from 'yaml';
import type { RagopsConfig } from '../config/schema';
import { GENERATED_HEADER, type GeneratedFile } from '../types';
import { downAlertNames } from '../prometheus/rules/services';
import { renderTemplate, TEMPLATE_FILE } from './template';

export const RECEIVERS = { pagerduty: 'pagerduty', slack: 'slack', heartbeat: 'heartbeat', null: 'null' } as const;

function anyOf(names: string[]): string {
	return names.length === 1 ? names[0] : `(${names.join('|')})`;
}

export function inhibitRules(cfg: RagopsConfig): Record<string, unknown>[] {
	const down = anyOf(downAlertNames(cfg));
	const rules: Record<string, unknown>[] = [
		{ source_matchers: ['severity="critical"'], target_matchers: ['severity=~"warning|info"'], equal: ['service', 'alertname'] },
		{ source_matchers: ['severity="warning"'], target_matchers: ['severity="info"'], equal: ['service', 'alertname'] },
		{ source_matchers: [`alertname=~"${down}"`], target_matchers: [`alertname!~"${down}"`], equal: ['service'] },
		{ source_matchers: ['alertname="N8nDown"'], target_matchers: ['alertname="RagOpsHealthPushesStale"'] },
		{ source_matchers: ['alertname="RagIngestionFailed"'], target_matchers: ['alertname="RagIngestionStale"'], equal: ['service', 'target'] },
		{ source_matchers: ['alertname="RagBackupFailed"'], target_matchers: ['alertname="RagBackupTooOld"'], equal: ['service', 'target'] },
		{ source_matchers: ['alertname="RagFreshnessManifestStale"'], target_matchers: ['alertname="RagIngestionStale"'], equal: ['service'] },
	];
	if (cfg.retrieval.length > 0) {
		rules.push({ source_matchers: ['alertname="RagRetrievalQualityLow"'], target_matchers: ['alertname="RagRetrievalDrift"'], equal: ['service', 'target'] });
	}
	for (const s of cfg.services) {
		if (s.dependsOn.length === 0) continue;
		rules.push({
			source_matchers: [`alertname=~"${down}"`, `service=~"${anyOf([...s.dependsOn].sort())}"`],
			target_matchers: [`service="${s.name}"`],
		});
	}
	return rules;
}

export function buildAlertmanagerConfig(cfg: RagopsConfig): Record<string, unknown> {
	const { slack, pagerduty, heartbeat } = cfg.alerting.receivers;
	const routes: Record<string, unknown>[] = [];
	if (heartbeat) {
		// Short repeat so the dead man's switch sees a ping every few minutes; no grouping delay.
		routes.push({
			receiver: RECEIVERS.heartbeat,
			matchers: ['alertname="Watchdog"'],
			group_wait: '0s',
			group_interval: '1m',
			repeat_interval: '5m',
		});
	}
	routes.push(
		{ receiver: RECEIVERS.pagerduty, matchers: ['severity="critical"'] },
		{ receiver: RECEIVERS.slack, matchers: ['severity="warning"'] },
		{ receiver: RECEIVERS.null, matchers: ['severity="info"'] },
	);
	const receivers: Record<string, unknown>[] = [
		// Default receiver: an alert without a known severity still reaches people.
		{
			name: RECEIVERS.slack,
			slack_configs: [
				{
					api_url_file: slack.apiUrlFile,
					channel: slack.channel,
					send_resolved: true,
					title: '{{ template "ragops.title" . }}',
					text: '{{ template "ragops.text" . }}',
				},
			],
		},
		{
			name: RECEIVERS.pagerduty,
			pagerduty_configs: [
				{
					routing_key_file: pagerduty.routingKeyFile,
					send_resolved: true,
					description: '{{ template "ragops.title" . }}',
					details: { text: '{{ template "ragops.text" . }}' },
				},
			],
		},
		{ name: RECEIVERS.null },
	];
	if (heartbeat) {
		// Credentials only as a file: the schema refuses a URL with user:password@ (it would sit here in clear).
		const auth = heartbeat.basicAuth
			? { http_config: { basic_auth: { username: heartbeat.basicAuth.username, password_file: heartbeat.basicAuth.passwordFile } } }
			: {};
		receivers.push({ name: RECEIVERS.heartbeat, webhook_configs: [{ url: heartbeat.url, send_resolved: false, ...auth }] });
	}
	return {
		route: {
			receiver: RECEIVERS.slack,
			group_by: ['alertname', 'service'],
			group_wait: cfg.alerting.groupWait,
			group_interval: cfg.alerting.groupInterval,
			repeat_interval: cfg.alerting.repeatInterval,
			routes,
		},
		inhibit_rules: inhibitRules(cfg),
		receivers,
		templates: [TEMPLATE_FILE],
	};
}

export function generateAlertmanager(cfg: RagopsConfig): GeneratedFile[] {
	return [
		{ path: 'alertmanager/alertmanager.yml', content: `# ${GENERATED_HEADER}\n${stringify(buildAlertmanagerConfig(cfg), { lineWidth: 0 })}` },
		{ path: `alertmanager/${TEMPLATE_FILE}`, content: renderTemplate() },
	];
}
