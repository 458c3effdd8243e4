/** `npm run gen` artefact: Grafana provisioning and one JSON file per dashboard. */
import type { Generator } from '../types';
import { provisioningFiles } from './provisioning';
import { DASHBOARD_UIDS } from './uids';
import { overviewDashboard } from './dashboards/overview';
import { ragApiDashboard } from './dashboards/ragApi';
import { ingestionDashboard } from './dashboards/ingestion';
import { vectorDbDashboard } from './dashboards/vectorDb';
import { n8nDashboard } from './dashboards/n8n';
import { logsDashboard } from './dashboards/logs';
import { retrievalDashboard } from './dashboards/retrieval';

/** Dashboard uid → builder; the uids are fixed because alert annotations link them. */
export const DASHBOARDS = [
	{ uid: DASHBOARD_UIDS.overview, build: overviewDashboard },
	{ uid: DASHBOARD_UIDS.ragApi, build: ragApiDashboard },
	{ uid: DASHBOARD_UIDS.ingestion, build: ingestionDashboard },
	{ uid: DASHBOARD_UIDS.vectorDb, build: vectorDbDashboard },
	{ uid: DASHBOARD_UIDS.n8n, build: n8nDashboard },
	{ uid: DASHBOARD_UIDS.logs, build: logsDashboard },
	{ uid: DASHBOARD_UIDS.retrieval, build: retrievalDashboard },
] as const;

export const generateGrafana: Generator = (cfg) => [
	...provisioningFiles(),
	...DASHBOARDS.map((d) => ({ path: `grafana/dashboards/${d.uid}.json`, content: d.build(cfg) })),
];
