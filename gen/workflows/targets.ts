/**
 * The health targets of the RAG Health Watch and RAG Health Check: one per
 * service of the config, named after it, so a pushed `ragops_health_*` series
 * carries exactly the service name the rules, inhibitions and dashboards join
 * on. Fields of an existing target that the config does not describe (a
 * timeout override, a Qdrant collection, conditions) are kept from the
 * workflow, matched by name.
 */
import type { RagopsConfig, ServiceConfig } from '../config/schema';

/** Node preset per service kind (nodes/RagHealthCheck/presets.ts); other kinds read the answer generically. */
const PRESET: Partial<Record<ServiceConfig['kind'], string>> = {
	'rag-api': 'ragApi',
	qdrant: 'qdrant',
	chroma: 'chroma',
	n8n: 'n8n',
};

type Target = Record<string, unknown>;

export function healthTargets(cfg: RagopsConfig, existing: unknown): Target[] {
	const before = new Map<string, Target>();
	const list = (existing as { target?: unknown } | undefined)?.target;
	if (Array.isArray(list)) for (const t of list as Target[]) if (typeof t?.name === 'string') before.set(t.name, t);
	return cfg.services.map((s) => {
		const { name: _n, url: _u, preset: _p, critical: _c, dependsOn: _d, ...kept } = before.get(s.name) ?? {};
		return {
			name: s.name,
			// Without a healthPath the node appends its preset's path.
			url: `${s.scheme}://${s.address}${s.healthPath ?? ''}`,
			preset: PRESET[s.kind] ?? 'generic',
			critical: s.critical,
			...(s.dependsOn.length > 0 ? { dependsOn: s.dependsOn.join(', ') } : {}),
			...kept,
		};
	});
}
