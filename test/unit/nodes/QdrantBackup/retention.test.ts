/**
 * nodes/QdrantBackup/retention.ts: restic `forget` semantics over generated histories.
 */
import fc from 'fast-check';

import {
	compareNewestFirst,
	orderAmbiguity,
	parseCreationTime,
	parseNameTime,
	snapshotTime,
	parseRetentionDuration,
	planRetention,
	type RetentionPolicy,
	type RetentionSnapshot,
} from '../../../../nodes/QdrantBackup/retention';

const naive = (d: Date) => d.toISOString().slice(0, 19); // Qdrant's creation_time format
const snap = (iso: string, name = `s-${iso}`): RetentionSnapshot => ({ name, creationTime: iso });

/** Snapshots every `stepHours` hours, `count` of them, ending at `end` (UTC). */
function series(count: number, stepHours: number, end = '2026-11-19T03:00:00Z'): RetentionSnapshot[] {
	const last = Date.parse(end);
	return Array.from({ length: count }, (_, i) => {
		const d = new Date(last - i * stepHours * 3_600_000);
		return { name: `docs-${d.getTime()}.snapshot`, creationTime: naive(d) };
	});
}

/** Deterministic PRNG (mulberry32) so a failing generated case can be replayed. */
function rng(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const keptNames = (list: RetentionSnapshot[], policy: RetentionPolicy, protect: string[] = []) =>
	planRetention(list, policy, { protect }).keep.map((d) => d.name);

describe('restic rules', () => {
	test('keepLast keeps exactly the n newest', () => {
		const list = series(10, 24);
		expect(keptNames(list, { keepLast: 3 })).toEqual(list.slice(0, 3).map((s) => s.name));
	});

	test('keepDaily keeps the newest snapshot of each of the last n days that have one', () => {
		const list = series(48, 1); // hourly for two days: 2026-11-17T04 .. 2026-11-19T03
		const kept = planRetention(list, { keepDaily: 3 }).keep;
		expect(kept.map((d) => d.creationTime)).toEqual(['2026-11-19T03:00:00', '2026-11-18T23:00:00', '2026-11-17T23:00:00']);
		expect(kept[1]!.reasons).toEqual(['daily 2/3']);
	});

	test('empty periods do not use up the count (restic walks buckets that have snapshots)', () => {
		const list = [snap('2026-11-19T01:00:00'), snap('2026-11-10T01:00:00'), snap('2026-11-01T01:00:00'), snap('2026-10-01T01:00:00')];
		expect(keptNames(list, { keepDaily: 3 })).toEqual(list.slice(0, 3).map((s) => s.name));
	});

	test('keepMonthly keeps the last snapshot of each month', () => {
		const list = series(100, 24);
		const kept = planRetention(list, { keepMonthly: 3 }).keep.map((d) => d.creationTime);
		expect(kept).toEqual(['2026-11-19T03:00:00', '2026-10-31T03:00:00', '2026-09-30T03:00:00']);
	});

	test('keepWithin is relative to the newest snapshot, not to now', () => {
		const list = series(10, 24, '2020-01-10T00:00:00Z'); // years ago: "now" would keep none
		expect(keptNames(list, { keepWithin: '3d' })).toEqual(list.slice(0, 4).map((s) => s.name));
	});

	test('keepWithin uses calendar months like restic AddDate', () => {
		const list = [snap('2026-03-31T00:00:00'), snap('2026-03-01T00:00:00'), snap('2026-02-28T23:00:00')];
		// 2026-03-31 minus 1 month = "2026-02-31" = 2026-03-03 (Go's AddDate and Date.UTC normalise alike)
		expect(keptNames(list, { keepWithin: '1m' })).toEqual([list[0]!.name]);
		// minus 1 month 1 day = "2026-02-30" = 2026-03-02
		expect(keptNames(list, { keepWithin: '1m1d' })).toEqual([list[0]!.name]);
		// minus 1 month 3 days = 2026-02-28T00:00: the 1 March and 28 Feb 23:00 ones are within
		expect(keptNames(list, { keepWithin: '1m3d' })).toEqual(list.map((s) => s.name));
	});

	test('rules combine: a snapshot is kept if any rule keeps it, with every reason listed', () => {
		const list = series(30, 24);
		const plan = planRetention(list, { keepLast: 2, keepWeekly: 2 });
		expect(plan.keep[0]!.reasons).toEqual(['last 1/2', 'weekly 1/2']);
		expect(plan.keep.length).toBeGreaterThanOrEqual(3);
		expect(plan.keep.length + plan.remove.length).toBe(30);
	});

	test('an empty policy keeps everything', () => {
		const list = series(5, 24);
		expect(planRetention(list, {}).remove).toHaveLength(0);
		expect(planRetention(list, { keepLast: 0, keepWithin: '0d' }).remove).toHaveLength(0);
	});

	test('an empty list gives an empty plan', () => {
		expect(planRetention([], { keepLast: 3 })).toEqual({ decisions: [], keep: [], remove: [] });
	});

	test('invalid policies are refused with a readable reason', () => {
		expect(() => planRetention([], { keepWithin: '2 weeks' })).toThrow(/not a duration like/);
		expect(() => planRetention([], { keepLast: -1 })).toThrow(/keepLast must be a whole number/);
		expect(() => planRetention([], { keepLast: 1, timeZone: 'Mars/Olympus' })).toThrow(/not an IANA time zone/);
		expect(parseRetentionDuration('2y3m4d5h')).toEqual([2, 3, 4, 5]);
	});
});

describe('time-zone and calendar edges', () => {
	test('days are the time zone’s days: two snapshots one UTC day apart share a New York day', () => {
		const list = [snap('2026-01-02T00:30:00', 'b'), snap('2026-01-01T23:30:00', 'a'), snap('2025-12-31T12:00:00', 'z')];
		expect(keptNames(list, { keepDaily: 2 })).toEqual(['b', 'a']);
		expect(keptNames(list, { keepDaily: 2, timeZone: 'America/New_York' })).toEqual(['b', 'z']);
	});

	test('Qdrant’s naive creation_time is read as UTC, explicit offsets are honoured', () => {
		expect(parseCreationTime('2026-01-01T00:00:00')).toBe(Date.UTC(2026, 0, 1));
		expect(parseCreationTime('2026-01-01T01:00:00+01:00')).toBe(Date.UTC(2026, 0, 1));
		expect(Number.isNaN(parseCreationTime('yesterday'))).toBe(true);
	});

	test('ISO weeks: 2026-12-31 and 2027-01-01 are the same week (2026-W53); 2024-12-30 is 2025-W01', () => {
		expect(keptNames([snap('2027-01-01T10:00:00', 'fri'), snap('2026-12-31T10:00:00', 'thu'), snap('2026-12-27T10:00:00', 'sun')], { keepWeekly: 2 })).toEqual(['fri', 'sun']);
		expect(keptNames([snap('2025-01-01T10:00:00', 'wed'), snap('2024-12-30T10:00:00', 'mon'), snap('2024-12-29T10:00:00', 'sun')], { keepWeekly: 2 })).toEqual(['wed', 'sun']);
	});

	test('hourly buckets are wall-clock hours: the hour repeated when Europe/Berlin leaves DST is one bucket', () => {
		// 2026-10-25 01:00 UTC: clocks go back; 00:30 and 01:30 UTC are both 02:30 local wall time.
		const list = [snap('2026-10-25T01:30:00', 'second'), snap('2026-10-25T00:30:00', 'first'), snap('2026-10-24T23:30:00', 'before')];
		// Wall-clock hours (restic buckets on local time): the two 02:30s share an hour bucket.
		expect(keptNames(list, { keepHourly: 2, timeZone: 'Europe/Berlin' })).toEqual(['second', 'before']);
		expect(keptNames(list, { keepHourly: 2 })).toEqual(['second', 'first']);
	});

	test('equal times without a time in the name: the order is ambiguous, so nothing is removed and the plan says why', () => {
		const a = [snap('2026-05-01T00:00:00', 'x-1'), snap('2026-05-01T00:00:00', 'x-3'), snap('2026-05-01T00:00:00', 'x-2'), snap('2026-04-01T00:00:00', 'x-0')];
		const plan = planRetention(a, { keepLast: 1 });
		expect(plan.remove).toEqual([]);
		expect(plan.refused).toMatch(/3 snapshots share the time 2026-05-01T00:00:00.000Z/);
		expect(plan.keep.every((d) => d.reasons.includes('order ambiguous'))).toBe(true);
	});

	test('a snapshot with no time at all (no name stamp, null creation_time) makes the order ambiguous', () => {
		const list = [{ name: 'undated', creationTime: null }, ...series(3, 24)];
		const plan = planRetention(list, { keepLast: 1 });
		expect(plan.remove).toEqual([]);
		expect(plan.refused).toMatch(/"undated"/);
	});
});

describe('snapshot time: the name first, then creation_time', () => {
	const named = (day: number, creationTime: string | null) => ({
		name: `docs-4129783125387632-2026-11-${String(day).padStart(2, '0')}-03-00-00.snapshot`,
		creationTime,
	});

	test('the timestamp in a Qdrant snapshot name wins over creation_time, and impossible dates do not count', () => {
		expect(snapshotTime(named(5, '2020-01-01T00:00:00'))).toEqual({ time: Date.UTC(2026, 10, 5, 3), source: 'name' });
		expect(parseNameTime('my-col-with-dashes-1-2026-02-28-23-59-59.snapshot')).toBe(Date.UTC(2026, 1, 28, 23, 59, 59));
		expect(Number.isNaN(parseNameTime('docs-1-2026-02-31-00-00-00.snapshot'))).toBe(true);
		expect(snapshotTime({ name: 'upload.snapshot', creationTime: '2026-01-01T00:00:00' })).toEqual({ time: Date.UTC(2026, 0, 1), source: 'creation_time' });
		expect(snapshotTime({ name: 'upload.snapshot', creationTime: null }).source).toBe('none');
	});

	test('null creation_time (no birth time): Qdrant-named snapshots are still placed by their names', () => {
		const list = [named(3, null), named(5, null), named(4, null)];
		expect(keptNames(list, { keepLast: 1 })).toEqual([named(5, null).name]);
	});

	test('identical creation_time (a copied snapshot folder): keepDaily 7 keeps all four snapshots of four days', () => {
		const copied = '2026-11-30T12:00:00';
		const list = [named(1, copied), named(2, copied), named(3, copied), named(4, copied)];
		const plan = planRetention(list, { keepDaily: 7 });
		expect(plan.remove).toEqual([]);
		expect(plan.keep.map((d) => d.reasons)).toEqual([['daily 1/7'], ['daily 2/7'], ['daily 3/7'], ['daily 4/7']]);
	});

	test('out-of-order creation_time does not reorder Qdrant-named snapshots', () => {
		const list = [named(1, '2026-11-09T00:00:00'), named(9, '2026-11-01T00:00:00'), named(5, null)];
		expect(keptNames(list, { keepLast: 2 })).toEqual([named(9, null).name, named(5, null).name]);
	});
});

describe('generated histories', () => {
	const policies: RetentionPolicy[] = [
		{ keepLast: 1 },
		{ keepDaily: 7, keepWeekly: 4, keepMonthly: 6 },
		{ keepHourly: 24, keepYearly: 2 },
		{ keepWithin: '2d12h' },
		{ keepLast: 2, keepDaily: 3, timeZone: 'Asia/Kolkata' },
		{ keepMonthly: 1, timeZone: 'Pacific/Chatham' },
	];

	test('over 300 random histories: the protected (newest verified) snapshot always survives, plans are total and stable', () => {
		for (let seed = 1; seed <= 300; seed++) {
			const random = rng(seed);
			const count = Math.floor(random() * 40);
			const base = Date.UTC(2026, 0, 1);
			const list: RetentionSnapshot[] = Array.from({ length: count }, (_, i) => {
				// Clusters and exact duplicates on purpose: equal timestamps must not break anything.
				const t = base + Math.floor(random() * 400) * 3_600_000 * (random() < 0.2 ? 24 : 1);
				return { name: `s${i}`, creationTime: random() < 0.05 ? null : naive(new Date(t)) };
			});
			const policy = policies[seed % policies.length]!;
			const verified = list.filter(() => random() < 0.3).map((s) => s.name);
			// The node protects the newest verified snapshot: emulate by picking one at random.
			const protect = verified.length ? [verified[Math.floor(random() * verified.length)]!] : [];
			const plan = planRetention(list, policy, { protect });

			const context = `seed ${seed}, policy ${JSON.stringify(policy)}`;
			for (const name of protect) expect([context, plan.keep.some((d) => d.name === name)]).toEqual([context, true]);
			expect([context, plan.keep.length + plan.remove.length]).toEqual([context, list.length]);
			if (list.length > 0 && (policy.keepLast ?? 0) > 0) {
				// keepLast ≥ 1: the newest dated snapshot is always kept.
				const newest = plan.decisions.find((d) => d.creationTime !== null);
				if (newest) expect([context, newest.keep]).toEqual([context, true]);
			}
			const shuffled = [...list].sort(() => random() - 0.5);
			const again = planRetention(shuffled, policy, { protect });
			expect([context, again.remove.map((d) => d.name)]).toEqual([context, plan.remove.map((d) => d.name)]);
		}
	});
});

describe('generated histories with null, identical and out-of-order creation times (fast-check)', () => {
	const day = 86_400_000;
	const base = Date.UTC(2026, 0, 1);
	const stamp = (t: number) => new Date(t).toISOString().slice(0, 19).replace('T', '-').replace(/:/g, '-');
	/** One snapshot: a Qdrant name with its time (sometimes none), and a creation_time that is null, shared, or unrelated. */
	const snapshotArb = fc.record({
		named: fc.boolean(),
		slot: fc.integer({ min: 0, max: 60 * 24 }), // hours: collisions on purpose
		creation: fc.oneof(fc.constant<'null'>('null'), fc.constant<'copied'>('copied'), fc.integer({ min: 0, max: 90 })),
		verified: fc.boolean(),
	});
	const policyArb = fc.record(
		{
			keepLast: fc.integer({ min: 0, max: 5 }),
			keepHourly: fc.integer({ min: 0, max: 5 }),
			keepDaily: fc.integer({ min: 0, max: 7 }),
			keepWeekly: fc.integer({ min: 0, max: 4 }),
			keepMonthly: fc.integer({ min: 0, max: 3 }),
			keepWithin: fc.constantFrom(undefined, '1d', '3d12h', '1m'),
			timeZone: fc.constantFrom('UTC', 'Europe/Berlin', 'Pacific/Chatham'),
		},
		{ requiredKeys: [] },
	);

	function build(raw: Array<{ named: boolean; slot: number; creation: 'null' | 'copied' | number; verified: boolean }>) {
		const seen = new Set<string>();
		const list: Array<RetentionSnapshot & { verified: boolean }> = [];
		raw.forEach((r, i) => {
			const t = base + r.slot * 3_600_000;
			const name = r.named ? `docs-4129783125387632-${stamp(t)}.snapshot` : `foreign-${i}.snapshot`;
			if (seen.has(name)) return; // one peer cannot hold two snapshots of the same second
			seen.add(name);
			const creationTime = r.creation === 'null' ? null : r.creation === 'copied' ? '2026-03-01T00:00:00' : naive(new Date(base + r.creation * day));
			list.push({ name, creationTime, verified: r.verified });
		});
		return list;
	}

	/** What the node protects: the newest verified snapshot in retention's own order. */
	function newestVerified(list: Array<RetentionSnapshot & { verified: boolean }>): string | undefined {
		return list
			.filter((s) => s.verified)
			.map((s) => ({ name: s.name, time: snapshotTime(s).time }))
			.sort(compareNewestFirst)[0]?.name;
	}

	test('the newest verified snapshot is never deleted; ambiguous orders delete nothing; plans are total and independent of list order', () => {
		fc.assert(
			fc.property(fc.array(snapshotArb, { maxLength: 30 }), policyArb, fc.integer(), (raw, policy, shuffleSeed) => {
				const list = build(raw);
				const protect = newestVerified(list);
				const plan = planRetention(list, policy, { protect: protect ? [protect] : [] });
				if (protect) expect(plan.remove.map((d) => d.name)).not.toContain(protect);
				expect(plan.keep.length + plan.remove.length).toBe(list.length);
				const ambiguous = orderAmbiguity(list);
				if (ambiguous) {
					expect(plan.remove).toEqual([]);
					expect(plan.refused).toBe(ambiguous);
				} else if ((policy.keepLast ?? 0) > 0 && list.length > 0) {
					expect(plan.decisions[0]!.keep).toBe(true);
				}
				const random = rng(shuffleSeed);
				const shuffled = [...list].sort(() => random() - 0.5);
				const again = planRetention(shuffled, policy, { protect: protect ? [protect] : [] });
				expect(again.decisions.map((d) => [d.name, d.keep])).toEqual(plan.decisions.map((d) => [d.name, d.keep]));
			}),
			{ numRuns: 400 },
		);
	});

	test('Qdrant-named snapshots are ordered by their names whatever their creation times say', () => {
		fc.assert(
			fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 20 }), fc.array(fc.constantFrom<null | string>(null, '2026-03-01T00:00:00', '1999-01-01T00:00:00')), (hours, times) => {
				const list = hours.map((h, i) => ({ name: `docs-7-${stamp(base + h * 3_600_000)}.snapshot`, creationTime: times[i % Math.max(1, times.length)] ?? null }));
				expect(orderAmbiguity(list)).toBeUndefined();
				const plan = planRetention(list, { keepLast: 1 });
				const newest = Math.max(...hours);
				expect(plan.keep.map((d) => d.name)).toEqual([`docs-7-${stamp(base + newest * 3_600_000)}.snapshot`]);
			}),
			{ numRuns: 200 },
		);
	});
});
