/**
 * After a create or restore request timed out: find out what Qdrant did.
 *
 * Qdrant runs snapshot creation and recovery as tasks of their own
 * (`time_or_accept` spawns them, src/actix/helpers.rs), so a client that stops
 * waiting does not stop them: a timed-out create still writes its snapshot,
 * and a timed-out restore still overwrites the collection when it finishes.
 * The node polls for the outcome instead of reporting "nothing happened":
 * - the snapshot list (a new snapshot appears when a create finished), and
 * - Qdrant's telemetry (`GET /telemetry?details_level=1`,
 *   `result.collections.snapshots[]`: `running_snapshots`,
 *   `running_snapshot_recovery` per collection, counted per peer).
 */
import { NodeOperationError, sleep } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { listSnapshots, qdrantCall, scopeLabel, type SnapshotDescription, type SnapshotScope } from './transport';

export interface RunningTasks {
	snapshots: number;
	recoveries: number;
}

/** Qdrant's per-collection running snapshot tasks, or undefined when telemetry cannot be read. */
export async function runningTasks(
	ctx: IExecuteFunctions,
	itemIndex: number,
	collection: string,
	timeoutMs: number,
): Promise<RunningTasks | undefined> {
	try {
		const result = await qdrantCall<{ collections?: { snapshots?: IDataObject[] } }>(ctx, itemIndex, {
			method: 'GET',
			path: '/telemetry',
			qs: { details_level: 1 },
			timeoutMs,
			doing: 'reading Qdrant telemetry',
		});
		const entry = (result?.collections?.snapshots ?? []).find((s) => s.id === collection);
		// Qdrant creates the entry on first use: none yet means nothing ever ran for this collection.
		return {
			snapshots: Number(entry?.running_snapshots ?? 0) || 0,
			recoveries: Number(entry?.running_snapshot_recovery ?? 0) || 0,
		};
	} catch {
		return undefined;
	}
}

export interface FollowUp {
	ctx: IExecuteFunctions;
	itemIndex: number;
	scope: SnapshotScope;
	/** How long to keep polling, ms (0: do not poll). */
	windowMs: number;
	/** The timeout that expired, for the message. */
	timedOutAfterMs: number;
}

function pollInterval(windowMs: number): number {
	return Math.min(5000, Math.max(250, Math.round(windowMs / 20)));
}

function stillRunning(f: FollowUp, what: string, advice: string): NodeOperationError {
	const error = new NodeOperationError(f.ctx.getNode(), `Still running on Qdrant: ${what}`, {
		description: `The request timed out after ${Math.round(f.timedOutAfterMs / 1000)} s and Qdrant was still at work ${Math.round(
			f.windowMs / 1000,
		)} s later. Qdrant keeps running the task after n8n stops waiting. ${advice} Nothing was deleted.`,
		itemIndex: f.itemIndex,
	});
	error.context.stillRunningOnQdrant = true;
	return error;
}

/** A create that timed out: the snapshot it made, once it appears; throws "still running" otherwise. */
export async function followUpCreate(
	f: FollowUp,
	before: ReadonlySet<string>,
	listTimeoutMs: number,
): Promise<SnapshotDescription> {
	const deadline = Date.now() + f.windowMs;
	const fresh = async () =>
		(await listSnapshots(f.ctx, f.itemIndex, f.scope, listTimeoutMs)).filter((s) => !before.has(s.name))[0];
	for (;;) {
		const found = await fresh();
		if (found) return found;
		const tasks = f.scope.collection === null ? undefined : await runningTasks(f.ctx, f.itemIndex, f.scope.collection, listTimeoutMs);
		if (tasks && tasks.snapshots === 0) {
			// It may have finished between the two reads: look once more before calling it failed.
			const late = await fresh();
			if (late) return late;
			throw new NodeOperationError(f.ctx.getNode(), `Qdrant stopped creating the snapshot of ${scopeLabel(f.scope)} without writing one`, {
				description:
					'The request timed out; afterwards Qdrant had no snapshot task running for the collection and no new snapshot was listed, so the task failed on Qdrant (for example a full disk). Check Qdrant\'s log, then run again. Nothing was deleted.',
				itemIndex: f.itemIndex,
			});
		}
		if (Date.now() >= deadline) break;
		await sleep(pollInterval(f.windowMs));
	}
	throw stillRunning(
		f,
		`the snapshot of ${scopeLabel(f.scope)} is not written yet`,
		'Run List later to find it, or raise Timeout for snapshots this large.',
	);
}

/** A restore that timed out: what Qdrant reports once its recovery is over; throws "still running" otherwise. */
export async function followUpRestore(f: FollowUp, timeoutMs: number): Promise<IDataObject> {
	const collection = f.scope.collection!;
	const deadline = Date.now() + f.windowMs;
	let telemetrySeen = false;
	for (;;) {
		const tasks = await runningTasks(f.ctx, f.itemIndex, collection, timeoutMs);
		if (tasks) telemetrySeen = true;
		if (tasks && tasks.recoveries === 0) {
			let info: { status?: unknown; points_count?: unknown } | undefined;
			try {
				info = await qdrantCall(f.ctx, f.itemIndex, {
					method: 'GET',
					path: `/collections/${encodeURIComponent(collection)}`,
					timeoutMs,
					doing: `reading collection "${collection}"`,
				});
			} catch {
				info = undefined;
			}
			return {
				restored: null,
				finishedAfterTimeout: true,
				stillRunningOnQdrant: false,
				collectionStatus: info?.status ?? null,
				pointsCount: info?.points_count ?? null,
				note: `The request timed out after ${Math.round(f.timedOutAfterMs / 1000)} s; Qdrant has no recovery of "${collection}" running any more, so it finished (succeeded or failed) after n8n stopped waiting. ${
					info ? `The collection answers with status ${String(info.status)}.` : 'The collection does not answer.'
				} Check the collection before relying on it.`,
			};
		}
		if (Date.now() >= deadline) break;
		await sleep(pollInterval(f.windowMs));
	}
	throw stillRunning(
		f,
		`the restore of collection "${collection}" goes on`,
		telemetrySeen
			? 'It will overwrite the collection when it finishes: do not write to the collection until then; check GET /collections/' + collection + ' later.'
			: 'Qdrant\'s telemetry could not be read to follow it; it may still overwrite the collection when it finishes.',
	);
}
