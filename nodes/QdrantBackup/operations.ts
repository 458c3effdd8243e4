/**
 * One function per operation: each takes the item, returns the items to emit
 * (with their binary, when any) or throws a NodeApiError / NodeOperationError
 * carrying the item index.
 */
import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { compareNewestFirst, orderAmbiguity, planRetention, snapshotTime, type RetentionPolicy } from './retention';
import { followUpCreate, followUpRestore } from './followUp';
import {
	listSnapshots,
	QDRANT_CREDENTIAL_TYPE,
	qdrantCall,
	qdrantCallUnlessTimeout,
	type Call,
	scopeLabel,
	snapshotPath,
	snapshotsPath,
	type SnapshotDescription,
	type SnapshotScope,
} from './transport';
import { hashBinary, multipartBody, sha256Of, streamSnapshot } from './transfer';
import { recordedSha256, verify, type VerificationRecord } from './verification';

export interface OpContext {
	ctx: IExecuteFunctions;
	itemIndex: number;
	item: INodeExecutionData;
	scope: SnapshotScope;
}

type Emit = { json: IDataObject; binary?: INodeExecutionData['binary'] };

const seconds = (ctx: IExecuteFunctions, name: string, i: number, fallback: number) =>
	Math.max(1, Number(ctx.getNodeParameter(name, i, fallback))) * 1000;

/** How long to follow a timed-out create or restore up (0: not at all). */
const followUpMs = (ctx: IExecuteFunctions, i: number) => Math.max(0, Number(ctx.getNodeParameter('followUp', i, 300)) || 0) * 1000;

/**
 * The file name of a restore by upload. Qdrant keeps an uploaded file in the
 * collection's snapshot folder after recovering from it (it recovers from the
 * saved file:// path, src/actix/api/snapshot_api.rs), where it would list as
 * the newest snapshot: the node names it so it can delete it afterwards, and
 * leaves names with this prefix out of retention and "Verify Newest Now".
 */
export const UPLOAD_PREFIX = 'ragops-upload-';
const isUpload = (name: string) => name.startsWith(UPLOAD_PREFIX);

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

/** Newest first, in retention's order (the name's timestamp, else creation_time; then the name). */
export function newestFirst(list: SnapshotDescription[]): SnapshotDescription[] {
	return list
		.map((s) => ({ s, name: s.name, time: snapshotTime({ name: s.name, creationTime: s.creation_time }).time }))
		.sort(compareNewestFirst)
		.map(({ s }) => s);
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
	const timeoutMs = seconds(ctx, 'timeout', itemIndex, 600);
	const windowMs = followUpMs(ctx, itemIndex);
	// What exists before, so a snapshot that appears after a timeout is recognisably the new one.
	const before = wait && windowMs > 0 ? new Set((await listSnapshots(ctx, itemIndex, scope, timeoutMs)).map((s) => s.name)) : undefined;
	const started = Date.now();
	const answer = await qdrantCallUnlessTimeout<SnapshotDescription | undefined>(
		ctx,
		itemIndex,
		{ method: 'POST', path: snapshotsPath(scope), qs: { wait }, timeoutMs, doing: `creating a snapshot of ${scopeLabel(scope)}` },
		before !== undefined,
	);
	const finishedAfterTimeout = answer.timedOut;
	const snapshot = answer.timedOut
		? await followUpCreate({ ctx, itemIndex, scope, windowMs, timedOutAfterMs: timeoutMs }, before!, timeoutMs)
		: answer.result;
	return [
		{
			json: {
				...base(scope),
				operation: 'create',
				// wait=false: Qdrant answers 202 {status: "accepted"} with no result.
				snapshot: snapshot ?? null,
				completed: wait,
				...(wait ? {} : { accepted: true }),
				...(finishedAfterTimeout ? { finishedAfterTimeout } : {}),
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
	const verification = verify(ctx, itemIndex, snapshot, { ...streamed, complete: true });
	return [
		{
			json: {
				...base(scope),
				operation: 'download',
				snapshot,
				sha256: streamed.sha256,
				bytes: streamed.bytes,
				verified: true,
				verification: verification as unknown as IDataObject,
				startedAt: item.json.startedAt ?? new Date(started).toISOString(),
				downloadMs: Date.now() - started,
			},
			binary: { ...(item.binary ?? {}), [property]: streamed.binary! },
		},
	];
}

export async function verifyOp(op: OpContext): Promise<Emit[]> {
	const { ctx, itemIndex, scope, item } = op;
	const name = snapshotName(op);
	const source = ctx.getNodeParameter('verifySource', itemIndex, 'binary') as string;
	const stallTimeoutMs = seconds(ctx, 'stallTimeout', itemIndex, 60);
	// Always Qdrant's own, current checksum: a checksum carried in the item could have been edited.
	const snapshot = await findSnapshot(op, name, stallTimeoutMs);
	// Only without one (S3) does the SHA-256 this workflow recorded at download serve as the reference.
	const recorded = recordedSha256(item.json, name);
	let hashed: { sha256: string; bytes: number; complete: boolean };
	if (source === 'download') {
		const streamed = await streamSnapshot(ctx, itemIndex, scope, name, { store: false, stallTimeoutMs, expectedSize: snapshot.size });
		hashed = { sha256: streamed.sha256, bytes: streamed.bytes, complete: true };
	} else {
		const property = String(ctx.getNodeParameter('binaryPropertyName', itemIndex, 'data'));
		const { sha256, bytes } = await hashBinary(ctx, itemIndex, property);
		hashed = { sha256, bytes, complete: false };
	}
	const verification = verify(ctx, itemIndex, snapshot, hashed, recorded);
	return [
		{
			json: {
				...item.json,
				...base(scope),
				operation: 'verify',
				snapshot,
				sha256: hashed.sha256,
				bytes: hashed.bytes,
				verified: true,
				verification: verification as unknown as IDataObject,
			},
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
	const listed = newestFirst(await listSnapshots(ctx, itemIndex, scope, timeoutMs));
	const excluded = listed.filter((s) => isUpload(s.name)).map((s) => s.name);
	const list = listed.filter((s) => !isUpload(s.name));

	const result = (extra: IDataObject): Emit[] => [
		{
			json: {
				...base(scope),
				operation: 'applyRetention',
				dryRun,
				policy: policy as IDataObject,
				total: list.length,
				...(excluded.length ? { excluded } : {}),
				...extra,
			},
		},
	];
	const refuse = (why: string): Emit[] =>
		result({
			deleted: [],
			kept: list.map((s) => s.name),
			skipped: true,
			reason: `Retention deleted nothing: ${why}. Give those snapshots Qdrant's names (<collection>-<peer id>-<YYYY-MM-DD-HH-MM-SS>.snapshot) or delete the odd ones by hand, then run again.`,
		});

	// The one snapshot retention must never delete: the newest that verified.
	let protectedName: string | undefined;
	let verification: VerificationRecord | IDataObject | undefined;
	if (verifiedFrom === 'verifyNewest') {
		const ambiguous = orderAmbiguity(list.map((s) => ({ name: s.name, creationTime: s.creation_time })));
		if (ambiguous) return refuse(`which snapshot is the newest is unknown: ${ambiguous}`);
		const newest = list[0];
		if (newest) {
			// Throws on a failed download or a mismatch: nothing is deleted.
			const streamed = await streamSnapshot(ctx, itemIndex, scope, newest.name, {
				store: false,
				stallTimeoutMs: seconds(ctx, 'stallTimeout', itemIndex, 60),
				expectedSize: newest.size,
			});
			verification = verify(ctx, itemIndex, newest, { ...streamed, complete: true });
			protectedName = newest.name;
		}
	} else {
		const s = inputSnapshot(item);
		if (item.json.verified === true && s && list.some((x) => x.name === s.name)) {
			protectedName = s.name;
			verification = (item.json.verification as IDataObject | undefined) ?? undefined;
		}
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
	if (plan.refused) return refuse(`the order of the snapshots is ambiguous: ${plan.refused}`);
	const kept = plan.keep.map((d) => ({ name: d.name, creationTime: d.creationTime, time: d.time, timeSource: d.timeSource, reasons: d.reasons }));
	const verifiedBy = verification ? { verification: verification as IDataObject } : {};
	if (dryRun) {
		return result({ protected: protectedName, ...verifiedBy, kept, wouldDelete: plan.remove.map((d) => d.name), deleted: [] });
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
	return result({ protected: protectedName, ...verifiedBy, kept, deleted, failedDeletes: failed });
}

/** PUT recover / POST upload with wait=true; a timeout is followed up on Qdrant. */
async function recoverCall(op: OpContext, call: Call): Promise<IDataObject> {
	const { ctx, itemIndex, scope } = op;
	const windowMs = followUpMs(ctx, itemIndex);
	const answer = await qdrantCallUnlessTimeout<boolean>(ctx, itemIndex, call, windowMs > 0);
	if (!answer.timedOut) return { restored: true };
	return await followUpRestore({ ctx, itemIndex, scope, windowMs, timedOutAfterMs: call.timeoutMs }, call.timeoutMs);
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
		ctx.helpers.assertBinaryData(itemIndex, property);
		const file = await ctx.helpers.getBinaryDataBuffer(itemIndex, property);
		checksum ||= fromItem ?? inputSnapshot(item)?.checksum ?? '';
		const sha256 = sha256Of(file);
		const uploadName = `${UPLOAD_PREFIX}${sha256.slice(0, 16)}.snapshot`;
		const { body, contentType } = multipartBody('snapshot', uploadName, file);
		const outcome = await recoverCall(op, {
			method: 'POST',
			path: `${snapshotsPath(scope)}/upload`,
			qs: { wait: true, priority, ...(checksum ? { checksum } : {}) },
			body,
			headers: { 'Content-Type': contentType },
			timeoutMs,
			doing,
		});
		// Qdrant keeps the uploaded file as a snapshot of the collection; remove it once the recovery is over.
		let uploadRemoved = false;
		let uploadWarning: string | undefined;
		if (outcome.stillRunningOnQdrant !== true) {
			try {
				await qdrantCall<boolean>(ctx, itemIndex, {
					method: 'DELETE',
					path: snapshotPath(scope, uploadName),
					qs: { wait: true },
					timeoutMs,
					doing: `removing the uploaded file "${uploadName}" of collection "${collection}"`,
				});
				uploadRemoved = true;
			} catch (error) {
				uploadWarning = `Qdrant keeps the uploaded file as snapshot "${uploadName}" (${(error as Error).message}); retention and Verify Newest Now leave it out, delete it by hand.`;
			}
		}
		return [
			{
				json: {
					...base(scope),
					operation: 'restore',
					source,
					priority,
					checksum: checksum || null,
					sha256,
					bytes: file.length,
					...outcome,
					uploadName,
					uploadRemoved,
					...(uploadWarning ? { uploadWarning } : {}),
				},
			},
		];
	}

	let location: string;
	let apiKey: string | undefined;
	if (source === 'url') {
		location = String(ctx.getNodeParameter('location', itemIndex, '')).trim();
	} else {
		const name = snapshotName(op);
		const snapshot = await findSnapshot(op, name, timeoutMs);
		checksum ||= snapshot.checksum ?? '';
		// Qdrant fetches the snapshot itself, so the URL must be one Qdrant can reach and that leads to this
		// same peer: its own address (default http://localhost:6333), not the address n8n uses.
		const self = String(ctx.getNodeParameter('selfUrl', itemIndex, 'http://localhost:6333') ?? '').trim() || 'http://localhost:6333';
		location = `${self.replace(/\/+$/, '')}${snapshotPath(scope, name)}`;
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
	const outcome = await recoverCall(op, {
		method: 'PUT',
		path: `${snapshotsPath(scope)}/recover`,
		qs: { wait: true },
		body: { location, priority, ...(checksum ? { checksum } : {}), ...(apiKey ? { api_key: apiKey } : {}) },
		timeoutMs,
		doing,
	});
	return [{ json: { ...base(scope), operation: 'restore', source, location, priority, checksum: checksum || null, ...outcome } }];
}
