/** `npm run gen` artefact: Grafana provisioning and one JSON file per dashboard. */
import type { Generator } from '../types';
import { provisioningFiles } from './provisioning';
import { overviewDashboard, OVERVIEW_UID } from './dashboards/overview';
import { ragApiDashboard, RAG_API_UID } from './dashboards/ragApi';
import { ingestionDashboard, INGESTION_UID } from './dashboards/ingestion';
import { vectorDbDashboard, VECTOR_DB_UID } from './dashboards/vectorDb';
import { n8nDashboard, N8N_UID } from './dashboards/n8n';
import { logsDashboard, LOGS_UID } from './dashboards/logs';
import { retrievalDashboard, RETRIEVAL_UID } from './dashboards/retrieval';

/** Dashboard uid → builder; the uids are fixed because alert annotations link them. */
export const DASHBOARDS = [
	{ uid: OVERVIEW_UID, build: overviewDashboard },
	{ uid: RAG_API_UID, build: ragApiDashboard },
	{ uid: INGESTION_UID, build: ingestionDashboard },
	{ uid: VECTOR_DB_UID, build: vectorDbDashboard },
	{ uid: N8N_UID, build: n8nDashboard },
	{ uid: LOGS_UID, build: logsDashboard },
	{ uid: RETRIEVAL_UID, build: retrievalDashboard },
] as const;

export const generateGrafana: Generator = (cfg) => [
	...provisioningFiles(),
	...DASHBOARDS.map((d) => ({ path: `grafana/dashboards/${d.uid}.json`, content: d.build(cfg) })),
];
