import type { IDataObject } from 'n8n-workflow';

import { reviveTargetState, type TargetState } from '../shared/hysteresis';

/**
 * The watch's memory, as kept in the trigger node's static data.
 *
 * Why this is safe here and was not in an action node: the trigger runs only
 * on n8n's main (leader) instance — n8n registers its cron there and nowhere
 * else — and one sweep at a time, so every update is made by one writer in
 * order. The state lives in the trigger's closure; static data is only its
 * copy for restarts, read once at activation. n8n saves that copy when the
 * workflow is activated and on every `emit`, i.e. at every announced
 * transition, so an announced `down` survives a restart (no second page) and
 * its `recovered` still goes out. Counters between two emits may be lost on a
 * restart, which delays a detection by at most the checks since the last emit.
 *
 * Stored as a list of records, not an object keyed by target name: names are
 * user input, and `__proto__` must be a target like any other.
 */

export const WATCH_STATE_VERSION = 2;

export interface WatchRecord {
	states: Map<string, TargetState>;
	/** Sweeps done since activation (also lets tests and users see the watch is alive). */
	sweeps: number;
	/** Ticks skipped because the previous sweep was still running. */
	skippedTicks: number;
	lastSweepAt?: number;
}

export function loadWatchState(store: IDataObject): WatchRecord {
	const states = new Map<string, TargetState>();
	if (store.version === WATCH_STATE_VERSION && Array.isArray(store.states)) {
		for (const raw of store.states as unknown[]) {
			if (typeof raw !== 'object' || raw === null) continue;
			const target = (raw as { target?: unknown }).target;
			if (typeof target !== 'string') continue;
			states.set(target, reviveTargetState(raw));
		}
	}
	return { states, sweeps: 0, skippedTicks: 0 };
}

/** Writes the record into static data (a fresh top-level value, so n8n's observable object marks it changed). */
export function saveWatchState(store: IDataObject, record: WatchRecord): void {
	store.version = WATCH_STATE_VERSION;
	store.states = [...record.states].map(([target, state]) => ({ target, ...state }) as unknown as IDataObject);
	store.sweeps = record.sweeps;
	store.skippedTicks = record.skippedTicks;
	if (record.lastSweepAt !== undefined) store.lastSweepAt = record.lastSweepAt;
	// The pre-trigger layout (object keyed by name, from the old stateful health check) is dropped.
	delete store.targets;
}
