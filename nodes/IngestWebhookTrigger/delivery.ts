import type { IDataObject } from 'n8n-workflow';

import { MAX_JSON_DEPTH, jsonNestingDepth, parseJsonBounded } from '../shared/bounded';

/**
 * The body of a signed delivery, as the workflow will see it: a JSON object,
 * or a clear refusal with the HTTP status to answer. Checked after the
 * signature and before anything is remembered, so a refused delivery can be
 * fixed and sent again.
 *
 * - JSON (`application/json`, or no/unknown content type with a JSON body):
 *   n8n has parsed it already; the node checks it is an object (not `null`,
 *   an array, a number or a string) and not nested absurdly deep (a 100 000
 *   deep body parses fine, but no execution holding it could be saved or
 *   opened).
 * - GitHub's "application/x-www-form-urlencoded" content type: the JSON is the
 *   `payload` form field (GitHub signs the raw form body, which the signature
 *   check used). n8n has split the form; the node parses `payload`.
 * - Bodies over {@link MAX_DELIVERY_BYTES} are answered 413. (Bodies over
 *   n8n's own limit, N8N_PAYLOAD_SIZE_MAX, 16 MiB by default, never reach the
 *   node: n8n answers those itself.)
 */

/** Largest body the node accepts: far above a GitHub push (usually a few KB to 1 MB), far below what bloats executions. */
export const MAX_DELIVERY_BYTES = 8 * 1024 * 1024;

export type DeliveryBody = { ok: true; body: IDataObject } | { ok: false; status: 400 | 413 | 415; reason: string };

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	return `a ${typeof value}`;
}

function asDeliveryObject(value: unknown, what: string): DeliveryBody {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) {
		return { ok: false, status: 400, reason: `${what} is ${describe(value)}, not a JSON object` };
	}
	return { ok: true, body: value as IDataObject };
}

function isEmptyObject(value: unknown): boolean {
	return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

/**
 * @param contentType the request's content type without parameters (lower case), if any
 * @param parsed what n8n parsed (`getBodyData()`)
 * @param raw the raw bytes the sender signed
 */
export function readDeliveryBody(contentType: string | undefined, parsed: unknown, raw: Buffer): DeliveryBody {
	if (raw.length > MAX_DELIVERY_BYTES) {
		return { ok: false, status: 413, reason: `the body is ${raw.length} bytes; at most ${MAX_DELIVERY_BYTES} are accepted` };
	}
	if (raw.length === 0) return { ok: false, status: 400, reason: 'the body is empty, not a JSON object' };

	if (contentType === 'application/x-www-form-urlencoded') {
		const form = parsed as IDataObject | undefined;
		const payload = form && typeof form === 'object' ? form.payload : undefined;
		if (typeof payload !== 'string') {
			return {
				ok: false,
				status: 400,
				reason: 'a form-encoded delivery must carry the JSON in one "payload" field (GitHub: Content type application/x-www-form-urlencoded)',
			};
		}
		const json = parseJsonBounded(payload, MAX_JSON_DEPTH);
		if (!json.ok) return { ok: false, status: 400, reason: `the "payload" field is ${json.error}` };
		return asDeliveryObject(json.value, 'the "payload" field');
	}
	if (contentType === 'multipart/form-data') {
		return { ok: false, status: 415, reason: 'multipart/form-data is not a webhook delivery; send JSON (application/json)' };
	}

	// The raw text decides the depth: whatever n8n parsed from it is just as deep.
	const text = raw.toString('utf8');
	if (jsonNestingDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
		return { ok: false, status: 400, reason: `the body is nested deeper than ${MAX_JSON_DEPTH} levels` };
	}
	// n8n parses application/json (and text/plain as a string); other or no content types are read here.
	if (contentType === 'application/json' || (parsed !== undefined && !isEmptyObject(parsed) && typeof parsed !== 'string')) {
		return asDeliveryObject(parsed, 'the body');
	}
	const json = parseJsonBounded(text.replace(/^\uFEFF/, ''), MAX_JSON_DEPTH);
	if (!json.ok) return { ok: false, status: 400, reason: `the body is ${json.error}` };
	return asDeliveryObject(json.value, 'the body');
}
