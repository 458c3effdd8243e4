import { sleep } from 'n8n-workflow';

/**
 * Retries with "full jitter" exponential backoff (AWS Architecture Blog,
 * "Exponential Backoff And Jitter"): the wait before retry n is uniform in
 * [0, min(cap, base * 2^n)], which spreads the retries of many concurrent
 * checks instead of hammering a struggling service in lock-step.
 */

export interface BackoffOptions {
	/** Retries after the first attempt (0 = try once). */
	retries: number;
	/** Base delay in ms (the cap of the first wait). */
	baseDelayMs: number;
	/** Upper bound of any single wait, in ms. */
	maxDelayMs: number;
	/** Source of randomness in [0, 1); injectable for tests. */
	random?: () => number;
	/** Stops waiting (and retrying) when aborted, e.g. when the execution is cancelled. */
	signal?: AbortSignal;
}

/** The wait before retry number `retry` (0-based), in ms. */
export function fullJitterDelay(
	retry: number,
	baseDelayMs: number,
	maxDelayMs: number,
	random: () => number = Math.random,
): number {
	const ceiling = Math.min(Math.max(0, maxDelayMs), Math.max(0, baseDelayMs) * 2 ** Math.max(0, retry));
	return Math.floor(random() * ceiling);
}

export interface RetryOutcome<R> {
	result: R;
	/** Attempts made (1 = no retry). */
	attempts: number;
}

/**
 * Call `attempt` until `shouldRetry(result)` is false or the retries are used
 * up. `attempt` reports failures as values (it must not throw), so the last
 * result is always returned, retried or not.
 */
export async function retryWithBackoff<R>(
	attempt: (attemptNumber: number) => Promise<R>,
	shouldRetry: (result: R) => boolean,
	options: BackoffOptions,
): Promise<RetryOutcome<R>> {
	const retries = Math.max(0, Math.floor(options.retries));
	let attempts = 1;
	let result = await attempt(1);
	for (let retry = 0; retry < retries && shouldRetry(result); retry++) {
		if (options.signal?.aborted) break;
		const delay = fullJitterDelay(retry, options.baseDelayMs, options.maxDelayMs, options.random);
		if (delay > 0) {
			try {
				await sleep(delay, options.signal);
			} catch {
				// Aborted while waiting: report the last real result rather than the abort.
				break;
			}
		}
		attempts++;
		result = await attempt(attempts);
	}
	return { result, attempts };
}
