/** Golden-case validation and the three file formats. */
import { detectFormat, parseCaseFile as parseResult, parseCsv as csvResult, validateCase, validateCases, type CaseFileFormat } from '../../../../nodes/RagRetrievalCheck/cases';

/** The parsers return errors as values; these throw them, to keep the assertions short. */
function parseCaseFile(text: string, format: CaseFileFormat): unknown[] {
	const parsed = parseResult(text, format);
	if ('error' in parsed) throw new Error(parsed.error);
	return parsed.raws;
}
function parseCsv(text: string): string[][] {
	const parsed = csvResult(text);
	if ('error' in parsed) throw new Error(parsed.error);
	return parsed.rows;
}

describe('validateCase', () => {
	test('reads every field, with lists as arrays or comma / | separated text', () => {
		expect(validateCase({ id: 'q1', query: ' reset password ', expected: 'a, b|c', match: 'all', mustNotContain: ['x'], k: '3', minScore: 0.5 }, 1)).toEqual({
			id: 'q1',
			query: 'reset password',
			expected: ['a', 'b', 'c'],
			match: 'all',
			mustNotContain: ['x'],
			k: 3,
			minScore: 0.5,
		});
	});

	test('defaults: id from the position, match any, no k, no minimum, label-free without expected ids', () => {
		expect(validateCase({ query: 'q' }, 7)).toEqual({ id: 'case-7', query: 'q', expected: [], match: 'any', mustNotContain: [], k: undefined, minScore: undefined });
	});

	test('numeric ids are ids; duplicates collapse', () => {
		expect(validateCase({ query: 'q', expected: [12, '12', 'x'] }, 1).expected).toEqual(['12', 'x']);
	});

	test.each([
		[{ expected: ['a'] }, 'Case 3: has no "query"'],
		[{ id: 'faq', query: '   ' }, 'Case 3 (id "faq"): "query" must be non-empty text'],
		[{ id: 'faq', query: 'q', match: 'some' }, 'Case 3 (id "faq"): "match" must be "any" or "all", got "some"'],
		[{ id: 'faq', query: 'q', k: 0 }, 'Case 3 (id "faq"): "k" must be a whole number from 1 to 1000, got 0'],
		[{ id: 'faq', query: 'q', k: 2.5 }, '"k" must be a whole number'],
		[{ id: 'faq', query: 'q', k: 'five' }, '"k" must be a number, got "five"'],
		[{ id: 'faq', query: 'q', minScore: 'high' }, '"minScore" must be a number'],
		[{ id: 'faq', query: 'q', expected: { a: 1 } }, '"expected" must be a list of ids'],
		[{ id: 'faq', query: 'q', expected: ['a', { b: 1 }] }, '"expected"[1] must be an id (text or number), got an object'],
		[{ id: 'faq', query: 'q', expected: ['a'], mustNotContain: 'a' }, 'id "a" is both expected and in "mustNotContain"'],
		[{ id: { x: 1 }, query: 'q' }, 'Case 3: "id" must be text or a number'],
	])('%j is rejected with its position and id', (raw, message) => {
		expect(() => validateCase(raw, 3)).toThrow(message);
	});

	test('a non-object case', () => {
		expect(() => validateCase('just a query', 2)).toThrow('Case 2: must be an object with at least a "query", got "just a query"');
		expect(() => validateCase(null, 2)).toThrow('got null');
	});

	test('ids like __proto__ or constructor are plain ids, and no prototype is touched', () => {
		const raw = JSON.parse('{"id": "__proto__", "query": "q", "expected": ["__proto__", "constructor"]}') as unknown;
		const c = validateCase(raw, 1);
		expect(c.id).toBe('__proto__');
		expect(c.expected).toEqual(['__proto__', 'constructor']);
		expect(({} as Record<string, unknown>).query).toBeUndefined();
	});

	test('an inherited field is not a field', () => {
		const raw = Object.create({ query: 'inherited' }) as Record<string, unknown>;
		expect(() => validateCase(raw, 1)).toThrow('has no "query"');
	});
});

describe('validateCases', () => {
	test('keeps the valid cases and reports each invalid one; duplicate ids are invalid', () => {
		const { cases, problems } = validateCases([{ id: 'a', query: 'q1' }, { query: '' }, { id: 'a', query: 'q3' }, { id: '__proto__', query: 'q4' }]);
		expect(cases.map((c) => [c.position, c.goldenCase.id])).toEqual([[1, 'a'], [4, '__proto__']]);
		expect(problems).toEqual([
			{ position: 2, caseId: undefined, message: 'Case 2: has no "query" (the text to search for)' },
			{ position: 3, caseId: 'a', message: 'Case 3 (id "a"): has the same id as case 1; case ids key the baseline, so each must be unique' },
		]);
	});
});

describe('case files', () => {
	test('JSON: an array or {"cases": [...]}', () => {
		expect(parseCaseFile('[{"query":"a"}]', 'json')).toEqual([{ query: 'a' }]);
		expect(parseCaseFile('{"cases":[{"query":"a"}]}', 'json')).toEqual([{ query: 'a' }]);
		expect(() => parseCaseFile('{"query":"a"}', 'json')).toThrow('an array of cases or an object with a "cases" array');
		expect(() => parseCaseFile('[{"query":', 'json')).toThrow('not valid JSON');
		expect(() => parseCaseFile('  \n', 'json')).toThrow('empty');
		expect(() => parseCaseFile(`[{"query": "q", "x": ${'['.repeat(100)}${']'.repeat(100)}}]`, 'json')).toThrow('nested deeper than 64 levels');
	});

	test('JSONL: one case per line, blank lines skipped, the bad line named', () => {
		expect(parseCaseFile('{"query":"a"}\n\n{"query":"b"}\r\n', 'jsonl')).toEqual([{ query: 'a' }, { query: 'b' }]);
		expect(() => parseCaseFile('{"query":"a"}\n{oops}\n', 'jsonl')).toThrow('line 2 of the JSONL case file is not valid JSON');
	});

	test('CSV: RFC 4180 quoting, a header row, id lists with | or quoted commas', () => {
		const text = 'id,query,expected,k\r\nq1,"reset, password","a|b",3\nq2,"say ""hi""","c,d",\n\n';
		const raws = parseCaseFile(text, 'csv');
		expect(validateCases(raws).cases.map((c) => c.goldenCase)).toEqual([
			{ id: 'q1', query: 'reset, password', expected: ['a', 'b'], match: 'any', mustNotContain: [], k: 3, minScore: undefined },
			{ id: 'q2', query: 'say "hi"', expected: ['c', 'd'], match: 'any', mustNotContain: [], k: undefined, minScore: undefined },
		]);
		expect(() => parseCaseFile('id,text\n1,x', 'csv')).toThrow('needs a header row with a "query" column');
		expect(() => parseCaseFile('query\n"open', 'csv')).toThrow('ends inside a quoted field');
		// Column names are user data: a "__proto__" column is a column.
		const [row] = parseCaseFile('query,__proto__\nq,x', 'csv') as Array<Record<string, unknown>>;
		expect(Object.getPrototypeOf(row)).toBeNull();
		expect(row.__proto__).toBe('x');
	});

	test('parseCsv keeps empty fields and the last row without a newline', () => {
		expect(parseCsv('a,,c\n1,2')).toEqual([['a', '', 'c'], ['1', '2']]);
	});

	test('format detection: name, MIME type, then content', () => {
		expect(detectFormat('', 'golden.jsonl')).toBe('jsonl');
		expect(detectFormat('', 'golden.CSV')).toBe('csv');
		expect(detectFormat('', '', 'application/json')).toBe('json');
		expect(detectFormat('[{}]')).toBe('json');
		expect(detectFormat('{"query":"a"}\n{"query":"b"}')).toBe('jsonl');
		expect(detectFormat('{\n "cases": []\n}')).toBe('json');
		expect(detectFormat('query,expected\n')).toBe('csv');
	});
});
