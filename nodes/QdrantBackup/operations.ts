/**
 * One function per operation: each takes the item, returns the items to emit
 * (with their binary, when any) or throws a NodeApiError / NodeOperationError
 * carrying the item index.
 */
import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { planRetention, parseCreationTime, type RetentionPolicy } from '../shared/retention';
import {
	listSnapshots,
	QDRANT_CREDENTIAL_TYPE,
	qdrantBaseUrl,
	qdrantCall,
	scopeLabel,
	snapshotPath,
	snapshotsPath,
	type SnapshotDescription,
	type SnapshotScope,
} from './qdrantClient';
import { hashBinary, multipartBody, streamSnapshot } from './transfer';

export interface OpContext {
	ctx: IExecuteFunctions;
	itemIndex: number;
	item: INodeExecutionData;
	scope: SnapshotScope;
}

type Emit = { json: IDataObject; binary?: INodeExecutionData['binary'] };

const seconds = (ctx: IExecuteFunctions, name: string, i: number, fallback: number) =>
	Math.max(1, Number(ctx.getNodeParameter(name, i, fallback))) * 1000;

function base(scope: SnapshotScope): IDataObject {
	return { collection: scope.collection, scope: scope.collection === null ? 'storage' : 'collection' };
}

function inputSnapshot(item: INodeExecutionData): SnapshotDescription | undefined {
	const s = item.json.snapshot as SnapshotDescription | undefined;
	return s && typeof s === 'object' && typeof s.name === 'string' ? s : undefined;
}

/** The parameter, or the input item's snapshot name; a clear error when neither is there. */
function snapshotName({ ctx, itemIndex, item }: OpContext): string {
	const name = String(ctx.getNodeParameter('snapshotName', itemIndex, '') ?? '').trim();
	if (name) return name;
	const fromInput = inputSnapshot(item)?.name;
	if (fromInput) return fromInput;
	throw new NodeOperationError(ctx.getNode(), 'No snapshot name given', {
		description:
			'Set Snapshot Name, or connect this node after Create, List or Download so the input item carries `snapshot.name`.',
		itemIndex,
	});
}

/** Newest first, by Qdrant's creation time (the order List and retention use). */
export function newestFirst(list: SnapshotDescription[]): SnapshotDescription[] {
	return [...list].sort((a, b) => {
		const ta = parseCreationTime(a.creation_time);
		const tb = parseCreationTime(b.creation_time);
		if (ta !== tb) return (Number.isNaN(tb) ? -Infinity : tb) - (Number.isNaN(ta) ? -Infinity : ta);
		return a.name < b.name ? 1 : -1;
	});
}

async function findSnapshot(op: OpContext, name: string, timeoutMs: number): Promise<SnapshotDescription> {
	const list = await listSnapshots(op.ctx, op.itemIndex, op.scope, timeoutMs);
	const found = list.find((s) => s.name === name);
	if (!found) {
		throw new NodeOperationError(op.ctx.getNode(), `Snapshot "${name}" does not exist in ${scopeLabel(op.scope)}`, {
			description: `Qdrant lists ${list.length} snapshot(s)${list.length ? `, newest: ${newestFirst(list)[0]!.name}` : ''}. Check the name, or run List.`,
			itemIndex: op.itemIndex,
		});
	}
	return found;
}

export async function createOp(op: OpContext): Promise<Emit[]> {
	const { ctx, itemIndex, scope } = op;
	const wait = ctx.getNodeParameter('wait', itemIndex, true) as boolean;
	const started = Date.now();
	const result = await qdrantCall<SnapshotDescription | null>(ctx, itemIndex, {
		method: 'POST',
		path: snapshotsPath(scope),
		qs: { wait },
		timeoutMs: seconds(ctx, 'timeout', itemIndex, 600),
		doing: `creating a snapshot of ${scopeLabel(scope)}`,
	});
	return [
		{
			json: {
				...base(scope),
				operation: 'create',
				snapshot: result ?? null,
				completed: wait,
				startedAt: new Date(started).toISOString(),
				durationMs: Date.now() - started,
			},
		},
	];
}

export async function listOp(op: OpContext): Promise<Emit[]> {
	const list = await listSnapshots(op.ctx, op.itemIndex, op.scope, seconds(op.ctx, 'timeout', op.itemIndex, 600));
	return newestFirst(list).map((snapshot) => ({ json: { ...base(op.scope), operation: 'list', snapshot } }));
}

export async function downloadOp(op: OpContext): Promise<Emit[]> {
	const { ctx, itemIndex, scope, item } = op;
	const name = snapshotName(op);
	const property = String(ctx.getNodeParameter('binaryPropertyName', itemIndex, 'data'));
	const known = inputSnapshot(item);
	const snapshot =
		known?.name === name && known.checksum ? known : await findSnapshot(op, name, seconds(ctx, 'stallTimeout', itemIndex, 60));
	const started = Date.now();
	const streamed = await streamSnapshot(ctx, itemIndex, scope, name, {
		store: true,
		stallTimeoutMs: seconds(ctx, 'stallTimeout', itemIndex, 60),
		expectedSize: snapshot.size,
	});
	const verified = checkChecksum(op, snapshot, streamed.sha256);
	return [
		{
			json: {
				...base(scope),
				operation: 'download',
				snapshot,
				sha256: streamed.sha256,
				bytes: streamed.bytes,
				verified,
				startedAt: item.json.startedAt ?? new Date(started).toISOString(),
				downloadMs: Date.now() - started,
			},
			binary: { ...(item.binary ?? {}), [property]: streamed.binary! },
		},
	];
}

/** True when the hash matches Qdrant's checksum; throws on a mismatch or when Qdrant has none. */
function checkChecksum(op: OpContext, snapshot: SnapshotDescription, sha256: string): boolean {
	if (!snapshot.checksum) {
		throw new NodeOperationError(op.ctx.getNode(), `Qdrant reports no checksum for snapshot "${snapshot.name}"`, {
			description:
				'Qdrant adds SHA-256 checksums to snapshots from v1.8 on. Upgrade Qdrant, or create a new snapshot: a snapshot without checksum cannot be verified.',
			itemIndex: op.itemIndex,
		});
	}
	if (snapshot.checksum.toLowerCase() !== sha256) {
		throw new NodeOperationError(op.ctx.getNode(), `Checksum mismatch for snapshot "${snapshot.name}"`, {
			description: `Qdrant says SHA-256 ${snapshot.checksum}, the bytes hash to ${sha256}. The copy is corrupt or incomplete: do not keep it as a backup. Download again; if it persists, create a new snapshot. Nothing was deleted.`,
			itemIndex: op.itemIndex,
		});
	}
	return true;
}

export async function verifyOp(op: OpContext): Promise<Emit[]> {
	const { ctx, itemIndex, scope, item } = op;
	const name = snapshotName(op);
	const source = ctx.getNodeParameter('verifySource', itemIndex, 'binary') as string;
	const stallTimeoutMs = seconds(ctx, 'stallTimeout', itemIndex, 60);
	// Always Qdrant's own, current checksum: a checksum carried in the item could have been edited.
	const snapshot = await findSnapshot(op, name, stallTimeoutMs);
	let sha256: string;
	let bytes: number;
	if (source === 'download') {
		({ sha256, bytes } = await streamSnapshot(ctx, itemIndex, scope, name, {
			store: false,
			stallTimeoutMs,
			expectedSize: snapshot.size,
		}));
	} else {
		const property = String(ctx.getNodeParameter('binaryPropertyName', itemIndex, 'data'));
		({ sha256, bytes } = await hashBinary(ctx, itemIndex, property));
	}
	const verified = checkChecksum(op, snapshot, sha256);
	return [
		{
			json: { ...item.json, ...base(scope), operation: 'verify', snapshot, sha256, bytes, verified },
			binary: item.binary,
		},
	];
}

export async function deleteOp(op: OpContext): Promise<Emit[]> {
	const { ctx, itemIndex, scope } = op;
	const name = snapshotName(op);
	await qdrantCall<boolean>(ctx, itemIndex, {
		method: 'DELETE',
		path: snapshotPath(scope, name),
		qs: { wait: true },
		timeoutMs: seconds(ctx, 'timeout', itemIndex, 600),
		doing: `deleting snapshot "${name}" of ${scopeLabel(scope)}`,
	});
	return [{ json: { ...base(scope), operation: 'delete', snapshotName: name, deleted: true } }];
}

export function retentionPolicy(ctx: IExecuteFunctions, i: number): RetentionPolicy {
	const n = (name: string) => Number(ctx.getNodeParameter(name, i, 0));
	return {
		keepLast: n('keepLast'),
		keepHourly: n('keepHourly'),
		keepDaily: n('keepDaily'),
		keepWeekly: n('keepWeekly'),
		keepMonthly: n('keepMonthly'),
		keepYearly: n('keepYearly'),
		keepWithin: String(ctx.getNodeParameter('keepWithin', i, '') ?? '').trim() || undefined,
		timeZone: String(ctx.getNodeParameter('timeZone', i, 'UTC') ?? '').trim() || 'UTC',
	};
}

export async function applyRetentionOp(op: OpContext): Promise<Emit[]> {
	const { ctx, itemIndex, scope, item } = op;
	const policy = retentionPolicy(ctx, itemIndex);
	const dryRun = ctx.getNodeParameter('dryRun', itemIndex, false) as boolean;
	const verifiedFrom = ctx.getNodeParameter('verifiedFrom', itemIndex, 'input') as string;
	const timeoutMs = seconds(ctx, 'timeout', itemIndex, 600);
	try {
		planRetention([], policy); // validates the policy before anything touches Qdrant
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `Invalid retention policy: ${(error as Error).message}`, {
			description: 'Fix the retention parameters. Nothing was deleted.',
			itemIndex,
		});
	}

	// A failed list throws here: nothing is deleted.
	const list = newestFirst(await listSnapshots(ctx, itemIndex, scope, timeoutMs));

	const result = (extra: IDataObject): Emit[] => [
		{ json: { ...base(scope), operation: 'applyRetention', dryRun, policy: policy as IDataObject, total: list.length, ...extra } },
	];

	// The one snapshot retention must never delete: the newest that verified.
	let protectedName: string | undefined;
	if (verifiedFrom === 'verifyNewest') {
		const newest = list[0];
		if (newest) {
			// Throws on a failed download or a mismatch: nothing is deleted.
			const { sha256 } = await streamSnapshot(ctx, itemIndex, scope, newest.name, {
				store: false,
				stallTimeoutMs: seconds(ctx, 'stallTimeout', itemIndex, 60),
				expectedSize: newest.size,
			});
			checkChecksum(op, newest, sha256);
			protectedName = newest.name;
		}
	} else {
		const s = inputSnapshot(item);
		if (item.json.verified === true && s && list.some((x) => x.name === s.name)) protectedName = s.name;
		// Other verified snapshots are older or equal; the newest verified is the one to protect.
	}
	if (!protectedName) {
		return result({
			deleted: [],
			kept: list.map((s) => s.name),
			skipped: true,
			reason:
				verifiedFrom === 'input'
					? 'The input item carries no verified snapshot of this collection (a Create, Download or Verify step before this one failed or was skipped), so nothing was deleted.'
					: 'There is no snapshot to verify, so nothing was deleted.',
		});
	}

	const plan = planRetention(
		list.map((s) => ({ name: s.name, creationTime: s.creation_time ?? null })),
		policy,
		{ protect: [protectedName] },
	);
	const kept = plan.keep.map((d) => ({ name: d.name, creationTime: d.creationTime, reasons: d.reasons }));
	if (dryRun) {
		return result({ protected: protectedName, kept, wouldDelete: plan.remove.map((d) => d.name), deleted: [] });
	}
	const deleted: string[] = [];
	const failed: IDataObject[] = [];
	for (const d of plan.remove) {
		try {
			await qdrantCall<boolean>(ctx, itemIndex, {
				method: 'DELETE',
				path: snapshotPath(scope, d.name),
				qs: { wait: true },
				timeoutMs,
				doing: `deleting snapshot "${d.name}" of ${scopeLabel(scope)}`,
			});
			deleted.push(d.name);
		} catch (error) {
			failed.push({ name: d.name, error: (error as Error).message });
		}
	}
	if (failed.length > 0 && deleted.length === 0 && plan.remove.length > 0) {
		throw new NodeOperationError(ctx.getNode(), `Retention could not delete any of ${plan.remove.length} snapshot(s)`, {
			description: `First error: ${String(failed[0]!.error)}. The kept snapshots are untouched; check Qdrant and run again.`,
			itemIndex,
		});
	}
	return result({ protected: protectedName, kept, deleted, failedDeletes: failed });
}

export async function restoreOp(op: OpContext): Promise<Emit[]> {
	const { ctx, itemIndex, scope, item } = op;
	const collection = scope.collection!;
	const source = ctx.getNodeParameter('restoreSource', itemIndex, 'snapshot') as string;
	const priority = ctx.getNodeParameter('priority', itemIndex, 'snapshot') as string;
	const timeoutMs = seconds(ctx, 'timeout', itemIndex, 600);
	let checksum = String(ctx.getNodeParameter('checksum', itemIndex, '') ?? '').trim();
	const fromItem = item.json.verified === true ? (item.json.sha256 as string | undefined) : undefined;
	const doing = `restoring collection "${collection}"`;

	if (source === 'upload') {
		const property = String(ctx.getNodeParameter('binaryPropertyName', itemIndex, 'data'));
		const data = ctx.helpers.assertBinaryData(itemIndex, property);
		const file = await ctx.helpers.getBinaryDataBuffer(itemIndex, property);
		checksum ||= fromItem ?? inputSnapshot(item)?.checksum ?? '';
		const { body, contentType } = multipartBody('snapshot', data.fileName ?? 'snapshot.snapshot', file);
		await qdrantCall<boolean>(ctx, itemIndex, {
			method: 'POST',
			path: `${snapshotsPath(scope)}/upload`,
			qs: { wait: true, priority, ...(checksum ? { checksum } : {}) },
			body,
			headers: { 'Content-Type': contentType },
			timeoutMs,
			doing,
		});
		return [{ json: { ...base(scope), operation: 'restore', source, priority, checksum: checksum || null, bytes: file.length, restored: true } }];
	}

	let location: string;
	let apiKey: string | undefined;
	if (source === 'url') {
		location = String(ctx.getNodeParameter('location', itemIndex, '')).trim();
	} else {
		const name = snapshotName(op);
		const snapshot = await findSnapshot(op, name, timeoutMs);
		checksum ||= snapshot.checksum ?? '';
		location = `${await qdrantBaseUrl(ctx)}${snapshotPath(scope, name)}`;
		// Qdrant fetches its own snapshot over HTTP, so it needs the key too (SnapshotRecover.api_key).
		const credentials = await ctx.getCredentials(QDRANT_CREDENTIAL_TYPE);
		if (typeof credentials.apiKey === 'string' && credentials.apiKey) apiKey = credentials.apiKey;
	}
	checksum ||= fromItem ?? '';
	if (!/^(https?|file):\/\//.test(location)) {
		throw new NodeOperationError(ctx.getNode(), `"${location}" is not a snapshot URL`, {
			description: 'Use an http://, https:// or file:// URL that Qdrant itself can reach.',
			itemIndex,
		});
	}
	await qdrantCall<boolean>(ctx, itemIndex, {
		method: 'PUT',
		path: `${snapshotsPath(scope)}/recover`,
		qs: { wait: true },
		body: { location, priority, ...(checksum ? { checksum } : {}), ...(apiKey ? { api_key: apiKey } : {}) },
		timeoutMs,
		doing,
	});
	return [{ json: { ...base(scope), operation: 'restore', source, location, priority, checksum: checksum || null, restored: true } }];
}
