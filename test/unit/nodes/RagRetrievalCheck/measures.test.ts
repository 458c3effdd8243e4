/**
 * Each retrieval measure against values computed by hand (the arithmetic is
 * in the comments), and RBO against the published definition (Webber, Moffat
 * & Zobel 2010).
 */
import fc from 'fast-check';

import { forbiddenFound, mean, measureCase, percentile, rankBiasedOverlap, ratio, topK } from '../../../../nodes/RagRetrievalCheck/measures';

const LOG2_3 = Math.log2(3);

describe('measureCase (recall@k, MRR, nDCG@k with binary relevance)', () => {
	test('a partial hit: expected b and d, top 3 is a b c', () => {
		const m = measureCase(['a', 'b', 'c', 'd'], ['b', 'd'], 3, 'any');
		expect(m.hit).toBe(true);
		expect(m.recall).toBe(0.5); // 1 of 2 expected in the top 3
		expect(m.reciprocalRank).toBe(0.5); // first expected at rank 2
		// DCG = 1/log2(2+1); IDCG = 1/log2(2) + 1/log2(3) (two relevant, k = 3)
		expect(m.ndcg).toBeCloseTo(1 / LOG2_3 / (1 + 1 / LOG2_3), 12);
		expect(m.ndcg).toBeCloseTo(0.386853, 6);
		expect(m.found).toEqual(['b']);
		expect(m.missing).toEqual(['d']);
	});

	test('all-of needs every expected id in the top k', () => {
		expect(measureCase(['a', 'b', 'c', 'd'], ['b', 'd'], 3, 'all').hit).toBe(false);
		expect(measureCase(['a', 'b', 'c', 'd'], ['b', 'd'], 4, 'all').hit).toBe(true);
	});

	test('k larger than the results: the ideal ranking is bounded by the expected ids, not by k', () => {
		const m = measureCase(['x', 'b'], ['b'], 10, 'any');
		expect(m.recall).toBe(1);
		expect(m.reciprocalRank).toBe(0.5);
		expect(m.ndcg).toBeCloseTo(1 / LOG2_3, 12); // IDCG = 1 (one relevant id)
	});

	test('a perfect ranking scores 1 everywhere', () => {
		const m = measureCase(['a', 'b', 'c'], ['a', 'b'], 5, 'all');
		expect(m).toMatchObject({ hit: true, recall: 1, reciprocalRank: 1, ndcg: 1 });
	});

	test('duplicates count once and keep their rank slot (nDCG never exceeds 1)', () => {
		// top 3 = b, (b again: no gain), a -> DCG = 1 + 1/log2(4) = 1.5; IDCG(2) = 1 + 1/log2(3)
		const m = measureCase(['b', 'b', 'a'], ['a', 'b'], 3, 'any');
		expect(m.found).toEqual(['b', 'a']);
		expect(m.recall).toBe(1);
		expect(m.reciprocalRank).toBe(1);
		expect(m.ndcg).toBeCloseTo(1.5 / (1 + 1 / LOG2_3), 12);
		expect(m.ndcg).toBeLessThanOrEqual(1);
		// The duplicate pushed "a" to rank 3: with k = 2 it is not retrieved.
		expect(measureCase(['b', 'b', 'a'], ['a', 'b'], 2, 'all')).toMatchObject({ hit: false, recall: 0.5, missing: ['a'] });
	});

	test('duplicate expected ids are one expected id', () => {
		expect(measureCase(['a'], ['a', 'a'], 5, 'all')).toMatchObject({ hit: true, recall: 1, ndcg: 1 });
	});

	test('ties: the API order decides, scores are not re-sorted', () => {
		// Two results with the same score: the second is still rank 2.
		expect(measureCase(['x', 'a'], ['a'], 5, 'any').reciprocalRank).toBe(0.5);
	});

	test('empty results: no hit, every measure 0', () => {
		expect(measureCase([], ['a'], 5, 'any')).toEqual({ hit: false, recall: 0, reciprocalRank: 0, ndcg: 0, found: [], missing: ['a'] });
	});

	test('a result without an id holds its rank and matches nothing', () => {
		expect(measureCase([null, 'a'], ['a'], 5, 'any').reciprocalRank).toBe(0.5);
	});

	test('no expected ids is not a labelled case: measureCase refuses it', () => {
		expect(() => measureCase(['a'], [], 5, 'any')).toThrow('at least one expected id');
	});

	test('k = 1 is precision at the top', () => {
		expect(measureCase(['a', 'b'], ['b'], 1, 'any')).toMatchObject({ hit: false, recall: 0, reciprocalRank: 0, ndcg: 0 });
	});
});

describe('topK and forbiddenFound', () => {
	test('topK cuts first, then blanks later duplicates', () => {
		expect(topK(['a', 'b', 'a', 'c'], 3)).toEqual(['a', 'b', null]);
		expect(topK(['a'], 0)).toEqual([]);
	});
	test('forbidden ids are looked for in the top k only', () => {
		expect(forbiddenFound(['a', 'bad', 'c'], ['bad', 'other'], 2)).toEqual(['bad']);
		expect(forbiddenFound(['a', 'c', 'bad'], ['bad'], 2)).toEqual([]);
		expect(forbiddenFound([], ['bad'], 5)).toEqual([]);
	});
});

/**
 * RBO by its definition, eq. (7) of the paper with the extrapolation of
 * section 4.3 for even lists of depth k: RBO = (1-p) Σ_{d≥1} p^(d-1) A_d with
 * A_d = X_d/d up to k and A_d = X_k/k beyond (the agreement seen so far is
 * assumed to continue). Summed directly to a depth where p^d is negligible,
 * independently of the closed form the node uses.
 */
function rboByDefinition(a: string[], b: string[], p: number): number {
	const k = a.length;
	expect(b.length).toBe(k);
	const agreement = (d: number) => {
		const depth = Math.min(d, k);
		const left = new Set(a.slice(0, depth));
		return b.slice(0, depth).filter((x) => left.has(x)).length / depth;
	};
	let sum = 0;
	for (let d = 1; d <= 5000; d++) sum += p ** (d - 1) * agreement(d);
	return (1 - p) * sum;
}

describe('rankBiasedOverlap (RBO_ext, Webber, Moffat & Zobel 2010, eq. 32)', () => {
	test('identical lists are 1 at any depth and any p', () => {
		for (const p of [0.5, 0.9, 0.98]) {
			expect(rankBiasedOverlap(['a'], ['a'], p)).toBe(1);
			expect(rankBiasedOverlap(['a', 'b', 'c', 'd', 'e'], ['a', 'b', 'c', 'd', 'e'], p)).toBeCloseTo(1, 12);
		}
	});

	test('disjoint lists are 0', () => {
		expect(rankBiasedOverlap(['a', 'b', 'c'], ['x', 'y', 'z'])).toBe(0);
		expect(rankBiasedOverlap(['a'], ['x', 'y', 'z'])).toBe(0);
	});

	test('a swapped pair: [a,b] vs [b,a] at p = 0.9 is 0.9', () => {
		// X1 = 0, X2 = 2: (1-p)/p · (0 + 2/2·p²) + (2/2)·p² = 0.09 + 0.81
		expect(rankBiasedOverlap(['a', 'b'], ['b', 'a'], 0.9)).toBeCloseTo(0.9, 12);
	});

	test('uneven lists: [a,x] vs [a,b,c] at p = 0.9 is 0.55', () => {
		// s = 2, l = 3; X1 = 1, X2 = 1, X3 = 1, Xs = Xl = 1.
		// first sum  = 1·0.9 + 1/2·0.81 + 1/3·0.729 = 1.548
		// second sum = 1·(3-2)/(2·3)·0.729          = 0.1215
		// (1-p)/p · 1.6695 = 0.1855; tail ((1-1)/3 + 1/2)·0.729 = 0.3645
		expect(rankBiasedOverlap(['a', 'x'], ['a', 'b', 'c'], 0.9)).toBeCloseTo(0.55, 12);
	});

	test('a list that is a prefix of the other extrapolates to full agreement (1)', () => {
		expect(rankBiasedOverlap(['a'], ['a', 'b'], 0.9)).toBeCloseTo(1, 12);
		expect(rankBiasedOverlap(['a', 'b'], ['a', 'b', 'c', 'd'], 0.8)).toBeCloseTo(1, 12);
	});

	test('is symmetric (the shorter list is S whichever argument it is)', () => {
		expect(rankBiasedOverlap(['a', 'b', 'c'], ['a', 'x'])).toBe(rankBiasedOverlap(['a', 'x'], ['a', 'b', 'c']));
	});

	test('matches the definition (eq. 7 with extrapolation) on even lists', () => {
		const cases: Array<[string[], string[]]> = [
			[['a', 'b', 'c', 'd', 'e'], ['b', 'a', 'd', 'c', 'e']],
			[['a', 'b', 'c', 'd', 'e', 'f'], ['f', 'e', 'd', 'c', 'b', 'a']],
			[['a', 'b', 'c', 'd'], ['a', 'x', 'b', 'y']],
			[['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], ['c', 'a', 'x', 'b', 'h', 'y', 'g', 'z']],
		];
		for (const p of [0.5, 0.9, 0.95]) {
			for (const [a, b] of cases) expect(rankBiasedOverlap(a, b, p)).toBeCloseTo(rboByDefinition(a, b, p), 9);
		}
	});

	test('is top-weighted: a change at rank 1 costs more than the same change at rank 5', () => {
		const base = ['a', 'b', 'c', 'd', 'e'];
		expect(rankBiasedOverlap(base, ['x', 'b', 'c', 'd', 'e'])).toBeLessThan(rankBiasedOverlap(base, ['a', 'b', 'c', 'd', 'x']));
	});

	test('duplicates are dropped (first occurrence kept); empty lists', () => {
		expect(rankBiasedOverlap(['a', 'a', 'b'], ['a', 'b'])).toBeCloseTo(1, 12);
		expect(rankBiasedOverlap([], [])).toBe(1);
		expect(rankBiasedOverlap([], ['a'])).toBe(0);
	});

	test('refuses a persistence outside (0, 1)', () => {
		for (const p of [0, 1, -0.5, 1.5, Number.NaN]) expect(() => rankBiasedOverlap(['a'], ['a'], p)).toThrow('strictly between 0 and 1');
	});
});

describe('percentile (nearest rank), mean, ratio', () => {
	test('nearest rank picks an observed value', () => {
		expect(percentile([40, 10, 30, 20], 0.5)).toBe(20); // ceil(0.5·4) = 2nd smallest
		expect(percentile([40, 10, 30, 20], 0.95)).toBe(40); // ceil(3.8) = 4th
		const twenty = Array.from({ length: 20 }, (_v, i) => i + 1);
		expect(percentile(twenty, 0.95)).toBe(19);
		expect(percentile(twenty, 1)).toBe(20);
	});
	test('ties and single values', () => {
		expect(percentile([5, 5, 5, 100], 0.5)).toBe(5);
		expect(percentile([7], 0.95)).toBe(7);
	});
	test('nothing measured is null, not 0', () => {
		expect(percentile([], 0.5)).toBeNull();
		expect(mean([])).toBeNull();
		expect(ratio(0, 0)).toBeNull();
		expect(mean([1, 0, 0.5])).toBeCloseTo(0.5, 12);
		expect(ratio(1, 4)).toBe(0.25);
	});
});

describe('properties over random rankings (fast-check)', () => {
	// Small alphabets so lists share ids, repeat ids and tie often.
	const id = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
	const ranking = fc.array(id, { maxLength: 12 });

	test('every per-case measure is a ratio; all-of hits imply any-of hits; hit ⇔ recall > 0 for any-of', () => {
		fc.assert(
			fc.property(ranking, fc.array(id, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 15 }), (ranked, expected, k) => {
				const any = measureCase(ranked, expected, k, 'any');
				const all = measureCase(ranked, expected, k, 'all');
				for (const v of [any.recall, any.reciprocalRank, any.ndcg]) expect(v >= 0 && v <= 1 + 1e-12).toBe(true);
				if (all.hit) expect(any.hit).toBe(true);
				expect(any.hit).toBe(any.recall > 0);
				expect(all.hit).toBe(any.recall === 1);
				expect(any.found.length + any.missing.length).toBe(new Set(expected).size);
			}),
		);
	});

	test('RBO is a symmetric ratio, 1 against itself, 0 against a disjoint list', () => {
		fc.assert(
			fc.property(ranking, ranking, fc.double({ min: 0.05, max: 0.95, noNaN: true }), (a, b, p) => {
				const v = rankBiasedOverlap(a, b, p);
				expect(v >= 0 && v <= 1).toBe(true);
				expect(rankBiasedOverlap(b, a, p)).toBeCloseTo(v, 12);
				expect(rankBiasedOverlap(a, a, p)).toBeCloseTo(1, 12);
				expect(rankBiasedOverlap(a, a.map((x) => `other-${x}`), p)).toBe(a.length === 0 ? 1 : 0); // two empty lists are identical
			}),
		);
	});
});
