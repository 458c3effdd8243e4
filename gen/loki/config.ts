/**
 * loki/loki-config.yml: single-binary Loki 3.x on the local filesystem —
 * TSDB index with schema v13 (what Loki 3 requires for structured metadata),
 * compactor-driven retention, and a ruler that reads the generated LogQL rules
 * from a read-only mount and sends alerts to Alertmanager.
 */
import { stringify } from 'yaml';
import type { RagopsConfig } from '../config/schema';
import { formatDuration, parseDuration } from '../duration';
import { GENERATED_HEADER, type GeneratedFile } from '../types';

export const LOKI_PORT = 3100;
/** Where compose mounts loki/rules (read-only); the ruler finds `<dir>/<tenant>/*.yml` there. */
export const LOKI_RULES_MOUNT = '/etc/loki/rules';
export const LOKI_CONFIG_MOUNT = '/etc/loki/loki-config.yml';
/** With auth_enabled: false every request belongs to the single tenant Loki calls "fake". */
export const SINGLE_TENANT = 'fake';
const DATA = '/loki';

export function lokiConfig(cfg: RagopsConfig): Record<string, unknown> {
	return {
		auth_enabled: false,
		server: { http_listen_port: LOKI_PORT, grpc_listen_port: 9096, log_level: 'info' },
		common: {
			instance_addr: '127.0.0.1',
			path_prefix: DATA,
			storage: { filesystem: { chunks_directory: `${DATA}/chunks`, rules_directory: `${DATA}/rules` } },
			replication_factor: 1,
			ring: { kvstore: { store: 'inmemory' } },
		},
		schema_config: {
			configs: [
				{
					from: '2024-01-01',
					store: 'tsdb',
					object_store: 'filesystem',
					schema: 'v13',
					index: { prefix: 'index_', period: '24h' },
				},
			],
		},
		compactor: {
			working_directory: `${DATA}/compactor`,
			compaction_interval: '10m',
			retention_enabled: true,
			retention_delete_delay: '2h',
			delete_request_store: 'filesystem',
		},
		limits_config: {
			retention_period: formatDuration(parseDuration(cfg.logs.retention)),
		},
		ruler: {
			storage: { type: 'local', local: { directory: LOKI_RULES_MOUNT } },
			rule_path: `${DATA}/rules-temp`,
			alertmanager_url: 'http://alertmanager:9093',
			enable_api: true,
			ring: { kvstore: { store: 'inmemory' } },
		},
		analytics: { reporting_enabled: false },
	};
}

export function lokiConfigFile(cfg: RagopsConfig): GeneratedFile {
	return { path: 'loki/loki-config.yml', content: `# ${GENERATED_HEADER}\n${stringify(lokiConfig(cfg), { lineWidth: 0 })}` };
}
