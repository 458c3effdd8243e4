/**
 * The fixed Grafana dashboard uids, the one home: each dashboard builder sets
 * its uid from here, its file is named by it (grafana/dashboards/<uid>.json),
 * and every alert's dashboard_url links it (gen/prometheus/rules/model.ts), so
 * the links hold across teams and regenerations.
 */
export const DASHBOARD_UIDS = {
	overview: 'ragops-overview',
	ragApi: 'ragops-rag-api',
	ingestion: 'ragops-ingestion',
	vectorDb: 'ragops-vector-db',
	n8n: 'ragops-n8n',
	logs: 'ragops-logs',
	retrieval: 'ragops-retrieval',
} as const;

export type DashboardUid = (typeof DASHBOARD_UIDS)[keyof typeof DASHBOARD_UIDS];
