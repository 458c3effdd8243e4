import { parseRunStatus, runIdOf, type RunPhase } from './runApi';

/**
 * What the ingestion API's answer to a start request means. The API is the
 * source of truth for "one run per key" (docs/nodes/rag-ingestion.md, "What
 * your ingestion API must do"), following the IETF HTTPAPI Idempotency-Key
 * draft:
 *
 * - `created`: 2xx, a new run;
 * - `replayed`: 2xx for a run the key started before: the answer carries
 *   `Idempotent-Replayed: true` (the example service and Stripe-style APIs), or
 *   the run it names started well before this request was sent (more than
 *   `CLOCK_SKEW_MS`, so clocks that disagree a little do not fake a replay);
 * - `in_progress`: 409, a run of this key (or of this source) is in flight;
 * - `key_reused`: 422 for a request that carried a key: the key was used before
 *   with a different body;
 * - `refused`: any other status.
 */
export type StartVerdict = 'created' | 'replayed' | 'in_progress' | 'key_reused' | 'refused';

export interface StartAnswer {
	verdict: StartVerdict;
	runId?: string;
	/** The run's phase as the answer states it (replays: where the earlier run stands). */
	phase: RunPhase;
	rawStatus?: string;
}

/** How far the API's clock may be behind n8n's before an old `started_at` counts as "created earlier". */
export const CLOCK_SKEW_MS = 120_000;

/** Header names APIs use to flag a replay; n8n hands headers over lower-cased. */
const REPLAYED_HEADERS = ['idempotent-replayed', 'idempotency-replayed', 'x-idempotent-replayed'];

function replayedFlag(headers: Record<string, unknown> | undefined): boolean {
	if (!headers) return false;
	return REPLAYED_HEADERS.some((name) => {
		const value = headers[name];
		const text = Array.isArray(value) ? value[0] : value;
		return typeof text === 'string' && text.trim().toLowerCase() === 'true';
	});
}

export function classifyStart(
	statusCode: number,
	body: unknown,
	headers: Record<string, unknown> | undefined,
	sentKey: boolean,
	requestedAtMs: number,
): StartAnswer {
	const status = parseRunStatus(body);
	const base = { runId: runIdOf(body), phase: status.phase, rawStatus: status.rawStatus };
	if (statusCode === 409) return { verdict: 'in_progress', ...base };
	if (statusCode === 422 && sentKey) return { verdict: 'key_reused', ...base };
	if (statusCode < 200 || statusCode > 299) return { verdict: 'refused', ...base };
	const startedMs = status.startedAt === undefined ? NaN : Date.parse(status.startedAt);
	const startedEarlier = Number.isFinite(startedMs) && startedMs < requestedAtMs - CLOCK_SKEW_MS;
	const replayed = sentKey && (replayedFlag(headers) || startedEarlier);
	return { verdict: replayed ? 'replayed' : 'created', ...base };
}
