import type { IDataObject } from 'n8n-workflow';

import { forget, remember, seenAt, size } from '../../../../nodes/shared/idempotency';

describe('bounded recent-keys store', () => {
	const opts = { maxKeys: 3, ttlMs: 60_000 };

	it('remembers keys and evicts the oldest beyond maxKeys, surviving a JSON round trip', () => {
		let data: IDataObject = {};
		for (const [i, key] of ['1', '2', '3', '4'].entries()) remember(data, 'keys', key, opts, 1000 + i);
		data = JSON.parse(JSON.stringify(data)) as IDataObject;
		expect(seenAt(data, 'keys', '1', opts, 1010)).toBeUndefined();
		expect(seenAt(data, 'keys', '4', opts, 1010)).toBe(1003);
		// Integer-looking keys keep insertion order thanks to the prefix.
		remember(data, 'keys', '5', opts, 1011);
		expect(seenAt(data, 'keys', '2', opts, 1011)).toBeUndefined();
		expect(size(data, 'keys')).toBe(3);
	});

	it('forgets keys older than the ttl', () => {
		const data: IDataObject = {};
		remember(data, 'keys', 'guid-1', opts, 0);
		expect(seenAt(data, 'keys', 'guid-1', opts, 60_000)).toBe(0);
		expect(seenAt(data, 'keys', 'guid-1', opts, 60_001)).toBeUndefined();
	});

	it('stores huge keys as a hash and survives garbage in static data', () => {
		const data: IDataObject = { keys: 'garbage' };
		const huge = 'x'.repeat(10_000);
		remember(data, 'keys', huge, opts, 5);
		expect(seenAt(data, 'keys', huge, opts, 5)).toBe(5);
		expect(JSON.stringify(data).length).toBeLessThan(200);
		forget(data, 'keys', huge);
		expect(seenAt(data, 'keys', huge, opts, 5)).toBeUndefined();
	});
});
