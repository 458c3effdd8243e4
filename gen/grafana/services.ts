/**
 * What the dashboards need to know about the configured services: which are
 * of which kind, and the metric names a RAG API exposes.
 */
import { ragApiMetricsOf, type RagopsConfig, type ServiceConfig } from '../config/schema';

/** A rag-api service's metric names (defaults applied); the schema is their one home. */
export const ragApiMetrics = ragApiMetricsOf;

export function servicesOfKind(cfg: RagopsConfig, ...kinds: ServiceConfig['kind'][]): ServiceConfig[] {
	return cfg.services.filter((s) => kinds.includes(s.kind));
}

/** A PromQL regex alternative matching exactly these job names. */
export function jobRegex(services: ServiceConfig[]): string {
	return services.map((s) => s.name).join('|');
}

/**
 * Tile width for `n` tiles in one 24-column row: the widest that divides 24,
 * so tiles wrap cleanly instead of overflowing the grid.
 */
export function tileWidth(n: number): number {
	return [24, 12, 8, 6, 4].find((w) => n * w <= 24) ?? 4;
}
