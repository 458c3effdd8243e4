import type { IHttpRequestOptions } from 'n8n-workflow';

import { retryWithBackoff } from '../shared/backoff';
import { isRetryableResult, probe, type HttpRequestFn, type ProbeResult } from '../shared/probe';
import type { CheckSettings, Target } from './checkTarget';

/**
 * The one place the health check talks HTTP: the node's request function
 * (with or without the RAG service credential) and the probe of one target
 * with retries for transient trouble. Shared with RAG Health Watch Trigger.
 */

export const CREDENTIAL_TYPE = 'ragServiceApi';

/**
 * The node's HTTP function; `anonymous` is the same client without the
 * credential, for redirect hops to another origin (see nodes/shared/probe.ts).
 */
export type NodeRequestFn = HttpRequestFn & { anonymous?: HttpRequestFn };

/** The HTTP function of a node context, with or without the RAG service credential. */
export function requestFor(
	authenticate: boolean,
	helpers: {
		httpRequest(options: IHttpRequestOptions): Promise<unknown>;
		httpRequestWithAuthentication(this: unknown, type: string, options: IHttpRequestOptions): Promise<unknown>;
	},
	ctx: unknown,
): NodeRequestFn {
	const anonymous: HttpRequestFn = async (opts) => await helpers.httpRequest(opts);
	if (!authenticate) return Object.assign(anonymous, { anonymous });
	const authenticated: HttpRequestFn = async (opts) => await helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, opts);
	return Object.assign(authenticated, { anonymous });
}

/** One probe of a target's URL, retried (with backoff) while the failure is worth retrying. */
export async function probeWithRetries(target: Target, url: string, settings: CheckSettings): Promise<{ result: ProbeResult; attempts: number }> {
	return await retryWithBackoff(
		async () =>
			await probe(settings.request, {
				url,
				headers: target.headers,
				timeoutMs: target.timeoutMs,
				maxBodyBytes: settings.maxBodyBytes,
				skipTlsVerify: settings.skipTlsVerify,
				signal: settings.signal,
				allowCrossOriginRedirects: target.allowCrossOriginRedirects === true,
				anonymousRequest: settings.anonymousRequest,
			}),
		isRetryableResult,
		{ retries: settings.retries, baseDelayMs: settings.retryBaseDelayMs, maxDelayMs: 5000, signal: settings.signal },
	);
}
