import { hmacSha256, signPayload, verifySignature } from '../../../../nodes/IngestWebhookTrigger/hmac';

// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
const GITHUB_SECRET = "It's a Secret to Everybody";
const GITHUB_PAYLOAD = 'Hello, World!';
const GITHUB_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('HMAC SHA-256 signatures', () => {
	it("reproduces GitHub's published test vector", () => {
		expect(signPayload(GITHUB_SECRET, GITHUB_PAYLOAD)).toBe(GITHUB_SIGNATURE);
		expect(verifySignature(GITHUB_SECRET, Buffer.from(GITHUB_PAYLOAD), GITHUB_SIGNATURE)).toEqual({ valid: true });
	});

	it('accepts an upper-case digest and prefix (same bytes)', () => {
		expect(verifySignature(GITHUB_SECRET, GITHUB_PAYLOAD, GITHUB_SIGNATURE.toUpperCase()).valid).toBe(true);
	});

	it('rejects a signature made with another secret', () => {
		expect(verifySignature('another secret', GITHUB_PAYLOAD, GITHUB_SIGNATURE)).toEqual({
			valid: false,
			reason: 'signature mismatch',
		});
	});

	it('rejects a body changed by one byte', () => {
		expect(verifySignature(GITHUB_SECRET, 'Hello, World?', GITHUB_SIGNATURE).valid).toBe(false);
	});

	it.each([
		[undefined, 'missing signature'],
		['', 'missing signature'],
		['sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17', 'wrong prefix'],
		['sha256=757107ea', 'malformed signature'],
		['sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17', 'malformed signature'],
		['sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e170', 'malformed signature'],
	])('rejects %p as %s', (header, reason) => {
		expect(verifySignature(GITHUB_SECRET, GITHUB_PAYLOAD, header)).toEqual({ valid: false, reason });
	});

	it('rejects everything when no secret is configured', () => {
		expect(verifySignature('', GITHUB_PAYLOAD, GITHUB_SIGNATURE)).toEqual({ valid: false, reason: 'no secret configured' });
	});

	it('supports a bare base64 digest (generic senders)', () => {
		const digest = hmacSha256('s3cret-s3cret-s3cret', 'x', 'base64');
		expect(verifySignature('s3cret-s3cret-s3cret', 'x', digest, '', 'base64').valid).toBe(true);
		expect(verifySignature('s3cret-s3cret-s3cret', 'y', digest, '', 'base64').valid).toBe(false);
	});
});
