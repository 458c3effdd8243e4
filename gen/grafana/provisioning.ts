/**
 * Grafana provisioning: datasources with the fixed uids every dashboard and
 * alert link relies on, and a file provider that loads the generated
 * dashboards from the directory docker-compose mounts.
 */
import { stringify } from 'yaml';
import { GENERATED_HEADER, type GeneratedFile } from '../types';

/** Where docker-compose mounts grafana/dashboards inside the Grafana container. */
export const DASHBOARDS_MOUNT = '/etc/grafana/dashboards';

export const DATASOURCE_UIDS = { prometheus: 'prometheus', loki: 'loki', alertmanager: 'alertmanager' } as const;

const yaml = (doc: unknown) => `# ${GENERATED_HEADER}\n${stringify(doc, { lineWidth: 0 })}`;

export function provisioningFiles(): GeneratedFile[] {
	const datasources = {
		apiVersion: 1,
		datasources: [
			{
				name: 'Prometheus',
				type: 'prometheus',
				uid: DATASOURCE_UIDS.prometheus,
				access: 'proxy',
				url: 'http://prometheus:9090',
				isDefault: true,
				editable: false,
				jsonData: { httpMethod: 'POST', timeInterval: '15s' },
			},
			{
				name: 'Loki',
				type: 'loki',
				uid: DATASOURCE_UIDS.loki,
				access: 'proxy',
				url: 'http://loki:3100',
				editable: false,
			},
			{
				name: 'Alertmanager',
				type: 'alertmanager',
				uid: DATASOURCE_UIDS.alertmanager,
				access: 'proxy',
				url: 'http://alertmanager:9093',
				editable: false,
				jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false },
			},
		],
	};
	const dashboards = {
		apiVersion: 1,
		providers: [
			{
				name: 'ragops',
				orgId: 1,
				folder: 'RagOps',
				type: 'file',
				disableDeletion: true,
				allowUiUpdates: false,
				updateIntervalSeconds: 30,
				options: { path: DASHBOARDS_MOUNT, foldersFromFilesStructure: false },
			},
		],
	};
	return [
		{ path: 'grafana/provisioning/datasources/datasources.yml', content: yaml(datasources) },
		{ path: 'grafana/provisioning/dashboards/dashboards.yml', content: yaml(dashboards) },
	];
}
