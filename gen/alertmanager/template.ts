/**
 * The notification template Slack and PagerDuty use: each alert's summary,
 * description, runbook and dashboard links. Go-template comments carry the header.
 */
import { GENERATED_HEADER } from '../types';

/** Relative to alertmanager.yml; Alertmanager resolves template paths against the config file. */
export const TEMPLATE_FILE = 'templates/ragops.tmpl';

export function renderTemplate(): string {
	return `{{/* ${GENERATED_HEADER} */}}
{{ define "ragops.title" -}}
[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }}) on {{ .CommonLabels.service }}
{{- end }}

{{ define "ragops.text" -}}
{{ range .Alerts -}}
*{{ .Annotations.summary }}*
{{ .Annotations.description }}
{{ if .Annotations.runbook_url }}Runbook: {{ .Annotations.runbook_url }}
{{ end }}{{ if .Annotations.dashboard_url }}Dashboard: {{ .Annotations.dashboard_url }}
{{ end }}
{{ end -}}
{{- end }}
`;
}
