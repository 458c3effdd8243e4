/** Alert-name prefixes per service kind (CamelCase component prefixes, one home). */
import type { ServiceConfig } from '../../config/schema';

const KIND_PREFIX: Record<ServiceConfig['kind'], string> = {
	'rag-api': 'RagApi',
	search: 'RagSearch',
	qdrant: 'Qdrant',
	chroma: 'Chroma',
	ingestion: 'RagIngestionService',
	n8n: 'N8n',
	generic: 'RagService',
};

export function kindPrefix(kind: ServiceConfig['kind']): string {
	return KIND_PREFIX[kind];
}
