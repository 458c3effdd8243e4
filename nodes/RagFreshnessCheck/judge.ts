import { worstOf, type HealthStatus } from '../shared/status';
import type { FreshnessManifest } from './manifest';

/**
 * The freshness verdict of a valid manifest, check by check, in the shared
 * status model. Age limits work like dbt source freshness (`warn_after`,
 * `error_after`): older than warn-after → warn, older than error-after → fail.
 */

export interface FreshnessCheck {
	name: 'age' | 'chunks' | 'chunkDrop' | 'configHash' | 'schemaVersion' | 'manifest' | 'backend';
	status: HealthStatus;
	message: string;
}

export interface JudgeOptions {
	now: Date;
	warnAfterMs: number;
	errorAfterMs: number;
	/** A drop of the chunk count by more than this fraction (0.2 = 20 %) against the previous run warns. */
	chunkDropTolerance: number;
	/** Chunk count of the previous checked run (static data), if known. */
	previousChunkCount?: number;
	previousRunId?: string;
	/** What the running backend reports, when a backend URL is set. */
	backend?: BackendReport;
	/** Status of a config-hash or schema-version mismatch. */
	driftStatus: HealthStatus;
}

export type BackendReport =
	| { reachable: true; configHash?: unknown; schemaVersion?: unknown; configHashFound: boolean; schemaVersionFound: boolean }
	| { reachable: false; error: string };

export function formatDuration(ms: number): string {
	const s = Math.round(ms / 1000);
	if (s < 120) return `${s} s`;
	if (s < 7200) return `${Math.round(s / 60)} min`;
	if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
	return `${(s / 86400).toFixed(1)} d`;
}

export function judgeManifest(manifest: FreshnessManifest, o: JudgeOptions): FreshnessCheck[] {
	const checks: FreshnessCheck[] = [];
	const ageMs = Math.max(0, o.now.getTime() - manifest.generatedAt.getTime());
	const age = formatDuration(ageMs);
	if (ageMs >= o.errorAfterMs) {
		checks.push({ name: 'age', status: 'fail', message: `generated ${age} ago, past the error limit of ${formatDuration(o.errorAfterMs)}` });
	} else if (ageMs >= o.warnAfterMs) {
		checks.push({ name: 'age', status: 'warn', message: `generated ${age} ago, past the warn limit of ${formatDuration(o.warnAfterMs)}` });
	} else {
		checks.push({ name: 'age', status: 'pass', message: `generated ${age} ago` });
	}

	if (manifest.chunkCount === 0) {
		checks.push({ name: 'chunks', status: 'fail', message: 'chunk_count is 0: the index is empty' });
	} else {
		checks.push({ name: 'chunks', status: 'pass', message: `${manifest.chunkCount} chunks in ${manifest.documentCount} documents` });
	}

	const prev = o.previousChunkCount;
	if (prev !== undefined && prev > 0 && manifest.chunkCount > 0) {
		const drop = (prev - manifest.chunkCount) / prev;
		if (drop > o.chunkDropTolerance) {
			checks.push({
				name: 'chunkDrop',
				status: 'warn',
				message: `chunk count dropped ${(drop * 100).toFixed(1)} % (${prev} → ${manifest.chunkCount}), more than the tolerated ${(o.chunkDropTolerance * 100).toFixed(1)} %`,
			});
		} else {
			checks.push({ name: 'chunkDrop', status: 'pass', message: `chunk count ${prev} → ${manifest.chunkCount}` });
		}
	}

	const b = o.backend;
	if (b && !b.reachable) {
		checks.push({ name: 'backend', status: 'unknown', message: `could not read the backend's config: ${b.error}` });
	} else if (b && b.reachable) {
		const compare = (name: 'configHash' | 'schemaVersion', label: string, found: boolean, actual: unknown, expected: string) => {
			if (!found) {
				checks.push({ name, status: 'unknown', message: `the backend does not report a ${label}` });
			} else if (String(actual) !== expected) {
				checks.push({
					name,
					status: o.driftStatus,
					message: `${label} drift: the manifest has ${JSON.stringify(expected)}, the backend runs ${JSON.stringify(actual)}`,
				});
			} else {
				checks.push({ name, status: 'pass', message: `${label} matches the backend (${expected})` });
			}
		};
		compare('configHash', 'config hash', b.configHashFound, b.configHash, manifest.configHash);
		compare('schemaVersion', 'schema version', b.schemaVersionFound, b.schemaVersion, manifest.schemaVersion);
	}
	return checks;
}

export function overall(checks: FreshnessCheck[]): HealthStatus {
	return worstOf(checks.map((c) => c.status));
}
