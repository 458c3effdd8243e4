import { shortText } from '../shared/bounded';
import type { IDataObject } from 'n8n-workflow';

/**
 * The ingestion API contract the node speaks (documented in
 * docs/nodes/rag-ingestion.md; testbed/stack/ingestionApi.ts implements it):
 *
 * - start: `POST <base><startPath>` with JSON `{ source, mode, metadata, idempotency_key }`
 *   and header `Idempotency-Key` → 2xx `{ run_id, status, started_at? }`, the same run for a
 *   known key (ideally flagged `Idempotent-Replayed: true`); 409 while that key's request or a
 *   run of the same source is in progress (`{ run_id? }`); 422 for a known key with another
 *   body (how the node reads these: startAnswer.ts);
 * - status: `GET <base><statusPath with {runId}>` → `{ run_id, status, started_at,
 *   finished_at, documents_processed, chunks_written, errors }`.
 *
 * Common spellings are accepted (`id`/`runId`, `state`, `documents`, `chunks`),
 * since ingestion services are rarely written to one spec.
 */

export type RunPhase = 'running' | 'succeeded' | 'failed';

const SUCCEEDED = new Set(['succeeded', 'success', 'successful', 'completed', 'complete', 'done', 'finished', 'ok']);
const FAILED = new Set(['failed', 'failure', 'error', 'errored', 'cancelled', 'canceled', 'aborted', 'timeout', 'timed_out']);

/** Errors of a run an item lists at most. */
const MAX_ERRORS = 50;

export function phaseOf(status: unknown): RunPhase {
	const word = typeof status === 'string' ? status.trim().toLowerCase().replace(/[\s-]+/g, '_') : '';
	if (SUCCEEDED.has(word)) return 'succeeded';
	if (FAILED.has(word)) return 'failed';
	return 'running';
}

function first(obj: IDataObject, keys: string[]): unknown {
	for (const key of keys) if (obj[key] !== undefined && obj[key] !== null) return obj[key];
	return undefined;
}

export function runIdOf(body: unknown): string | undefined {
	if (body === null || typeof body !== 'object') return undefined;
	const id = first(body as IDataObject, ['run_id', 'runId', 'id']);
	return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

export interface RunStatus {
	phase: RunPhase;
	rawStatus?: string;
	startedAt?: string;
	finishedAt?: string;
	documentsProcessed?: number;
	chunksWritten?: number;
	errors: string[];
}

function num(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function time(value: unknown): string | undefined {
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const ms = typeof value === 'number' ? value * 1000 : Date.parse(value);
	return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

export function parseRunStatus(body: unknown): RunStatus {
	const obj = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as IDataObject) : {};
	const status = first(obj, ['status', 'state']);
	const errors = first(obj, ['errors', 'error']);
	return {
		phase: phaseOf(status),
		rawStatus: typeof status === 'string' ? status : undefined,
		startedAt: time(first(obj, ['started_at', 'startedAt'])),
		finishedAt: time(first(obj, ['finished_at', 'finishedAt', 'completed_at'])),
		documentsProcessed: num(first(obj, ['documents_processed', 'documentsProcessed', 'documents'])),
		chunksWritten: num(first(obj, ['chunks_written', 'chunksWritten', 'chunks'])),
		// Bounded: the answer is untrusted (a 100 000-deep or 100 000-long error list must not reach the item).
		errors: Array.isArray(errors)
			? errors.slice(0, MAX_ERRORS).map((e) => shortText(e, 1000))
			: typeof errors === 'string' && errors !== ''
				? [errors]
				: [],
	};
}

/** `/runs/{runId}` → `/runs/abc`, the id URL-encoded. */
export function statusPathFor(template: string, runId: string): string {
	return template.replace(/\{runId\}/g, encodeURIComponent(runId));
}

export function joinUrl(base: string, path: string): string {
	if (/^https?:\/\//i.test(path)) return path;
	return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
