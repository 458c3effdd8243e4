/**
 * What "verified" means for a snapshot, as one record the item, the run
 * record and the metrics carry.
 *
 * Qdrant keeps a SHA-256 per snapshot only with local snapshot storage (a
 * `.checksum` file beside it, since v1.8). With S3 snapshot storage its list
 * and create answers carry no checksum at all (Qdrant v1.19,
 * lib/collection/src/operations/snapshot_storage_ops.rs). Then the SHA-256
 * computed while downloading, over a body of exactly the size Qdrant lists,
 * becomes the record: later checks (Verify of the stored binary, a restore's
 * checksum) compare against it.
 */
import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { SnapshotDescription } from './transport';

export type VerificationMethod = 'qdrant-checksum' | 'download-sha256';

export interface VerificationRecord {
	/** `qdrant-checksum`: the bytes hash to Qdrant's own checksum. `download-sha256`: Qdrant has none; the hash of a complete download is the record. */
	method: VerificationMethod;
	sha256: string;
	bytes: number;
	/** Qdrant's checksum, or null when Qdrant keeps none (S3 snapshot storage). */
	qdrantChecksum: string | null;
	/** One sentence saying what was proven. */
	note: string;
}

/** The SHA-256 an earlier step of this workflow recorded for this snapshot, if any. */
export function recordedSha256(json: IDataObject, name: string): string | undefined {
	const snapshot = json.snapshot as { name?: unknown } | undefined;
	if (snapshot?.name !== name) return undefined;
	const record = json.verification as { sha256?: unknown } | undefined;
	const sha = typeof record?.sha256 === 'string' ? record.sha256 : typeof json.sha256 === 'string' ? json.sha256 : undefined;
	return sha && /^[0-9a-f]{64}$/i.test(sha) ? sha.toLowerCase() : undefined;
}

/**
 * Checks hashed bytes against the best reference there is and returns the
 * record; throws (nothing deleted, nothing passed on) when they do not match.
 * `complete` says the bytes came from a download whose length matched what
 * Qdrant declared, which is what makes a bare hash a record.
 */
export function verify(
	ctx: IExecuteFunctions,
	itemIndex: number,
	snapshot: SnapshotDescription,
	hashed: { sha256: string; bytes: number; complete: boolean },
	recorded?: string,
): VerificationRecord {
	const { sha256, bytes } = hashed;
	const qdrantChecksum = snapshot.checksum ? snapshot.checksum.toLowerCase() : null;
	if (qdrantChecksum) {
		if (qdrantChecksum !== sha256) {
			throw new NodeOperationError(ctx.getNode(), `Checksum mismatch for snapshot "${snapshot.name}"`, {
				description: `Qdrant says SHA-256 ${qdrantChecksum}, the bytes hash to ${sha256}. The copy is corrupt or incomplete: do not keep it as a backup. Download again; if it persists, create a new snapshot. Nothing was deleted.`,
				itemIndex,
			});
		}
		return { method: 'qdrant-checksum', sha256, bytes, qdrantChecksum, note: `SHA-256 of all ${bytes} bytes matches Qdrant's checksum` };
	}
	if (bytes !== snapshot.size) {
		throw new NodeOperationError(ctx.getNode(), `Size mismatch for snapshot "${snapshot.name}"`, {
			description: `Qdrant lists ${snapshot.size} bytes and keeps no checksum for it (S3 snapshot storage); the bytes here are ${bytes}. The copy is incomplete or another file: do not keep it as a backup. Nothing was deleted.`,
			itemIndex,
		});
	}
	if (recorded) {
		if (recorded !== sha256) {
			throw new NodeOperationError(ctx.getNode(), `Checksum mismatch for snapshot "${snapshot.name}"`, {
				description: `Qdrant keeps no checksum for this snapshot (S3 snapshot storage); the SHA-256 recorded when it was downloaded is ${recorded}, these bytes hash to ${sha256}. The copy changed since the download: do not keep it as a backup. Nothing was deleted.`,
				itemIndex,
			});
		}
		return {
			method: 'download-sha256',
			sha256,
			bytes,
			qdrantChecksum: null,
			note: `Qdrant keeps no checksum (S3 snapshot storage); the bytes match the SHA-256 recorded at download`,
		};
	}
	if (!hashed.complete) {
		throw new NodeOperationError(ctx.getNode(), `Nothing to verify snapshot "${snapshot.name}" against`, {
			description:
				'Qdrant keeps no checksum for this snapshot (S3 snapshot storage) and the input item carries no SHA-256 recorded at download. Put Verify after Download (which records the SHA-256), or use Verify Source "Download and Hash". Nothing was deleted.',
			itemIndex,
		});
	}
	return {
		method: 'download-sha256',
		sha256,
		bytes,
		qdrantChecksum: null,
		note: `Qdrant keeps no checksum (S3 snapshot storage); the download was complete (${bytes} of ${snapshot.size} bytes) and its SHA-256 is the verification record`,
	};
}
