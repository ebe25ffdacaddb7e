// pii.*: detection per entity, validators, offsets, memoization, redaction, the CEL functions
// through the engine, properties (fast-check) and linear time on adversarial inputs.
import fc from 'fast-check';
import { beforeEach, describe, expect, test } from 'vitest';
import {
  clearPiiCache,
  detectPii,
  piiCacheStats,
  redactText,
  scanPii,
  PII_CACHE_ENTRIES,
  PII_THRESHOLD,
  PII_TYPES,
} from '../../builtins/llm/pii/index.js';
import { cardIssuer, luhn, validIban, validNanp, validSsn } from '../../builtins/llm/pii/validators.js';
import { compileExpression, PolicyEngine, PolicyError } from '../../src/entries/index.js';

const found = (text: string) => detectPii(text).map((f) => [f.type, f.text] as const);
const typesIn = (text: string) => detectPii(text).map((f) => f.type);

function luhnComplete(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhn(body + d)) return body + d;
  throw new Error('unreachable');
}

function ibanWithCheck(cc: string, bban: string): string {
  for (let k = 2; k <= 98; k++) {
    const candidate = cc + String(k).padStart(2, '0') + bban;
    if (validIban(candidate)) return candidate;
  }
  throw new Error(`no check digits for ${cc}${bban}`);
}

beforeEach(() => clearPiiCache());

describe('validators', () => {
  test('Luhn', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
    expect(luhn('79927398713')).toBe(true);
  });

  test('card issuers by prefix and length', () => {
    expect(cardIssuer('4111111111111111')).toBe('visa');
    expect(cardIssuer('411111111111111')).toBeUndefined(); // 15-digit Visa does not exist
    expect(cardIssuer('5555555555554444')).toBe('mastercard');
    expect(cardIssuer('2223003122003222')).toBe('mastercard');
    expect(cardIssuer('378282246310005')).toBe('amex');
    expect(cardIssuer('6011111111111117')).toBe('discover');
    expect(cardIssuer('3530111333300000')).toBe('jcb');
    expect(cardIssuer('30569309025904')).toBe('diners');
    expect(cardIssuer('6250941006528599')).toBe('unionpay');
    expect(cardIssuer('1234567812345670')).toBeUndefined();
  });

  test('US SSN numbering rules', () => {
    expect(validSsn('536228174')).toBe(true);
    for (const bad of ['000228174', '666228174', '936228174', '536008174', '536220000', '123456789', '078051120', '111111111']) {
      expect(validSsn(bad), bad).toBe(false);
    }
  });

  test('IBAN: country length and mod-97', () => {
    expect(validIban('GB82WEST12345698765432')).toBe(true);
    expect(validIban('GB82WEST12345698765433')).toBe(false);
    expect(validIban('GB82WEST1234569876543')).toBe(false); // one short for GB
    expect(validIban('XX82WEST12345698765432')).toBe(false);
    expect(validIban('NO9386011117947')).toBe(true);
  });

  test('NANP numbers', () => {
    expect(validNanp('4155550132')).toBe(true);
    expect(validNanp('1235550132')).toBe(false); // area code starts with 1
    expect(validNanp('4151550132')).toBe(false); // exchange starts with 1
    expect(validNanp('9115550132')).toBe(false); // N11
  });
});

describe('entities', () => {
  test('email', () => {
    expect(found('mail Jane.Doe+news@mail.example.co.uk.')).toEqual([['email', 'Jane.Doe+news@mail.example.co.uk']]);
    expect(found("O'Connor@example.ie wrote")).toEqual([['email', "O'Connor@example.ie"]]);
    for (const no of ['user@localhost', 'ping @ops-team', 'logo@2x.png', 'npm i @types/node@20', 'a@b.c', 'x@-bad.com'])
      expect(found(no), no).toEqual([]);
  });

  test('phone: E.164 and national formats, with and without context', () => {
    for (const p of [
      '(415) 555-0132',
      '415-555-0132',
      '415.555.0132',
      '+1 415 555 0132',
      '1-800-555-0199',
      '+14155550132',
      '+44 20 7946 0958',
      '+33 1 23 45 67 89',
      '+49 151 12345678',
      '+81 3-1234-5678',
      '+44 (0)20 7946 0958',
    ]) {
      expect(found(`number: ${p} thanks`), p).toEqual([['phone', p]]);
    }
    expect(found('Ring 020 7946 0958')).toEqual([['phone', '020 7946 0958']]);
    // bare digits and 7-digit numbers only with a context word
    expect(found('call 4155550132')).toEqual([['phone', '4155550132']]);
    expect(found('ref 4155550132')).toEqual([]);
    expect(found('value 4155550132')).toEqual([]);
    expect(found('call 555-0134')).toEqual([['phone', '555-0134']]);
    expect(found('555-0134')).toEqual([]);
  });

  test('phone-like ids are not phones', () => {
    for (const no of [
      'Order #5551234567',
      'Order 555-123-4567 shipped',
      'invoice 415-555-0132',
      'v1.2.3',
      '2024-03-15',
      'ISBN 978-0-306-40615-7',
      '112-3456789-1234567',
      '123-456-7890',
      'Lottery 04 11 23 35 42 49',
      'id 12938475610293847',
    ]) {
      expect(typesIn(no), no).not.toContain('phone');
    }
  });

  test('us_ssn', () => {
    expect(found('SSN 536-22-8174')).toEqual([['us_ssn', '536-22-8174']]);
    expect(detectPii('SSN 536-22-8174')[0]!.score).toBe(1);
    expect(detectPii('row: 536-22-8174')[0]!.score).toBe(0.6);
    expect(found('ssn 536228174')).toEqual([['us_ssn', '536228174']]);
    expect(found('id 536228174')).toEqual([]); // nine bare digits need the context
    for (const no of [
      '000-12-3456',
      '666-45-6789',
      '912-34-5678',
      '123-00-4567',
      '123-45-0000',
      '078-05-1120',
      '123-45-6789',
      '536-22-8174-1',
    ])
      expect(found(no), no).toEqual([]);
  });

  test('credit_card: Luhn, issuer, length, consistent separators', () => {
    expect(detectPii('card 4111 1111 1111 1111')[0]).toMatchObject({
      type: 'credit_card',
      kind: 'visa',
      text: '4111 1111 1111 1111',
      score: 1,
    });
    expect(found('3782-822463-10005')).toEqual([['credit_card', '3782-822463-10005']]);
    expect(found('5555555555554444')).toEqual([['credit_card', '5555555555554444']]);
    for (const no of [
      '4111 1111 1111 1112',
      '1234 5678 9012 3456',
      '0000 0000 0000 0000',
      '4111 1111-1111 1111',
      '4111111111111111111111',
      'order 4111 1111 1111 1111',
    ]) {
      expect(typesIn(no), no).not.toContain('credit_card');
    }
  });

  test('iban: compact, grouped, dashed; checksum and length', () => {
    expect(found('IBAN GB82 WEST 1234 5698 7654 32.')).toEqual([['iban', 'GB82 WEST 1234 5698 7654 32']]);
    expect(found('DE89370400440532013000')).toEqual([['iban', 'DE89370400440532013000']]);
    expect(found('IE29-AIBK-9311-5212-3456-78')).toEqual([['iban', 'IE29-AIBK-9311-5212-3456-78']]);
    expect(found('GB82 WEST 1234 5698 7654 33')).toEqual([]);
    expect(found('GB82 WEST 1234 5698 7654')).toEqual([]);
  });

  test('ip_address: IPv4 and IPv6, versions and reserved ranges are not', () => {
    expect(detectPii('from 203.0.113.7:8080')[0]).toMatchObject({ type: 'ip_address', kind: 'ipv4', text: '203.0.113.7' });
    expect(detectPii('[2001:db8::1]:22')[0]).toMatchObject({ type: 'ip_address', kind: 'ipv6', text: '2001:db8::1' });
    expect(found('::ffff:192.0.2.128')).toEqual([['ip_address', '::ffff:192.0.2.128']]);
    for (const no of [
      'version 1.2.3.4',
      'v1.2.3.4',
      '1.3.6.1.4.1.2021',
      '999.1.1.1',
      '255.255.255.0',
      '0.0.0.0',
      'std::vector',
      'dead::beef',
      '12:30:45',
      '00:1A:2B:3C:4D:5E',
      '::1',
    ]) {
      expect(found(no), no).toEqual([]);
    }
  });

  test('date_of_birth only with a birth context word', () => {
    expect(found('born 5 March 1984')).toEqual([['date_of_birth', '5 March 1984']]);
    expect(found('DOB: 1984-03-05')).toEqual([['date_of_birth', '1984-03-05']]);
    expect(found('03/05/1984 (DOB)')).toEqual([['date_of_birth', '03/05/1984']]);
    expect(found('due 1984-03-05')).toEqual([]);
    expect(found('reborn 1984-03-05')).toEqual([]);
    expect(found('DOB 1984-13-45')).toEqual([]);
  });

  test('passport and driver_licence only with context words', () => {
    expect(found('passport no. X1234567')).toEqual([['passport', 'X1234567']]);
    expect(found("driver's license D1234567")).toEqual([['driver_licence', 'D1234567']]);
    expect(found('DL# D1234567')).toEqual([['driver_licence', 'D1234567']]);
    expect(found('X1234567')).toEqual([]);
    expect(found('license key ABCDE-12345-FGHIJ')).toEqual([]);
    expect(found('My driver license expires 2031-05-01')).toEqual([]);
  });

  test('secrets: cloud and provider keys with their kind', () => {
    const kinds = (t: string) => detectPii(t).map((f) => `${f.type}/${f.kind}`);
    expect(kinds('AKIAIOSFODNN7EXAMPLE')).toEqual(['aws_access_key/']);
    expect(kinds('sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z')).toEqual(['api_key/openai']);
    expect(kinds('sk-ant-api03-kX9v2mQ7rT4wZ8yB1nC6dF3gH5jK0lP-qR2sT7uV9wX4yZ6aB8cD1eF3gH5iJ7kL9mN2oP4qR6sT8uV0wX2yZ4aB6cAA')).toEqual([
      'api_key/anthropic',
    ]);
    expect(kinds('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')).toEqual(['api_key/github']);
    expect(kinds('xoxb-263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1')).toEqual(['api_key/slack']);
    expect(kinds('sk_live_4eC39HqLyjWDarjtT1zdp7dc')).toEqual(['api_key/stripe']);
    expect(kinds('AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY')).toEqual(['api_key/google']);
    expect(kinds('aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMKEY9')).toEqual(['api_key/generic']);
    for (const no of [
      'AKIAXXXXXXXXXXXXXXXX',
      'sk-learn',
      'sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'Bearer YOUR_API_KEY_HERE',
      'max_tokens: 4096',
      'api_key = os.environ["KEY"]',
    ]) {
      expect(found(no), no).toEqual([]);
    }
  });

  test('jwt: the header must decode to JSON with alg', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    expect(found(`Bearer ${jwt}.`)).toEqual([['jwt', jwt]]);
    expect(found('token eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9. ok')).toEqual([['jwt', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.']]);
    expect(found('eyJub3QiOiJhIGp3dCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl')).toEqual([]);
  });

  test('private_key: PEM blocks, escaped in JSON, truncated; not public keys', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\nAbCd==\n-----END RSA PRIVATE KEY-----';
    expect(detectPii(`key:\n${pem}\nthanks`)).toMatchObject([{ type: 'private_key', kind: 'rsa', text: pem }]);
    const json = pem.replaceAll('\n', '\\n');
    expect(found(`{"private_key": "${json}\\n"}`)).toEqual([['private_key', json]]);
    expect(found('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE (cut)')).toEqual([
      ['private_key', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE'],
    ]);
    expect(found('-----BEGIN PUBLIC KEY-----\nMIIBIjANBg\n-----END PUBLIC KEY-----')).toEqual([]);
  });

  test('password: assignments, URLs, CLI flags; not code, prose or placeholders', () => {
    expect(found('DB_PASSWORD=s3cr3t!Pass')).toEqual([['password', 's3cr3t!Pass']]);
    expect(found('"password": "correct horse battery staple"')).toEqual([['password', 'correct horse battery staple']]);
    expect(found('my password is Tr0ub4dor&3.')).toEqual([['password', 'Tr0ub4dor&3']]);
    expect(found('postgres://admin:Xk92lPqz@db.internal:5432/app')).toEqual([['password', 'Xk92lPqz']]);
    expect(found('curl -u admin:Hx7#pQ2!vL9m https://x.example.com')).toEqual([['password', 'Hx7#pQ2!vL9m']]);
    for (const no of [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a placeholder, not a password
      'password=${DB_PASSWORD}',
      'password: ********',
      'const password = req.body.password;',
      'user.password = bcrypt.hash(pw)',
      'The password is incorrect',
      'Password: at least 8 characters',
      'Forgot password?',
    ]) {
      expect(found(no), no).toEqual([]);
    }
  });
});

describe('findings', () => {
  test('have the documented shape, frozen, sorted by offset', () => {
    const f = detectPii('a@example.com then 415-555-0132');
    expect(f).toEqual([
      { type: 'email', kind: '', start: 0, end: 13, score: 0.9, text: 'a@example.com' },
      { type: 'phone', kind: '', start: 19, end: 31, score: 0.6, text: '415-555-0132' },
    ]);
    expect(Object.isFrozen(f)).toBe(true);
    expect(Object.isFrozen(f[0])).toBe(true);
  });

  test('offsets are UTF-16 code units', () => {
    const text = '😀 é mail: bob@example.com';
    const [f] = detectPii(text);
    expect(f!.start).toBe(text.indexOf('bob'));
    expect(text.slice(f!.start, f!.end)).toBe('bob@example.com');
  });

  test('overlaps keep the stronger finding', () => {
    // user:password@host: the password, not "password@host" as an email
    expect(typesIn('https://bob:Secr3t99@example.com/x')).toEqual(['password']);
    // an IBAN's digits are not also a card
    expect(typesIn('NL91ABNA0417164300')).toEqual(['iban']);
  });
});

describe('memo', () => {
  test('one scan per text, however many calls', () => {
    const text = 'mail bob@example.com or call 415-555-0132';
    const a = detectPii(text);
    const b = detectPii(`mail bob@example.com or call 415-555-0132`.slice(0)); // an equal string
    expect(b).toBe(a);
    expect(piiCacheStats()).toMatchObject({ entries: 1, scans: 1, hits: 1 });
  });

  test('two rules in one decision scan the request once', () => {
    const e = new PolicyEngine();
    e.addPolicy(`apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: pii }
spec:
  rules:
    - { id: emails, when: "pii.found(request, ['email'])", effect: warn }
    - { id: many, when: "pii.count(request) > 1", effect: deny }
    - { id: kinds, when: "'phone' in pii.types(request)", effect: warn }
`);
    const request = { messages: [{ role: 'user', content: 'mail bob@example.com or call 415-555-0132' }] };
    const d = e.evaluate({ request });
    expect(d.effect).toBe('deny');
    expect(d.matched.map((m) => m.rule).sort()).toEqual(['emails', 'kinds', 'many']);
    expect(piiCacheStats().scans).toBe(1);
  });

  test('bounded: entries and characters', () => {
    for (let i = 0; i < PII_CACHE_ENTRIES + 50; i++) detectPii(`text ${i}`);
    expect(piiCacheStats().entries).toBe(PII_CACHE_ENTRIES);
    clearPiiCache();
    detectPii('x'.repeat(1_000_000)); // more than an eighth of the character budget: not kept
    expect(piiCacheStats().entries).toBe(0);
  });
});

describe('redaction', () => {
  const text = 'Reach jane@example.com or 415-555-0132, SSN 536-22-8174';

  test('styles', () => {
    expect(redactText(text)).toBe('Reach [EMAIL] or [PHONE], SSN [US_SSN]');
    expect(redactText(text, ['email'], 'mask')).toBe('Reach **************** or 415-555-0132, SSN 536-22-8174');
    expect(redactText(text, ['us_ssn'], 'hash')).toBe('Reach jane@example.com or 415-555-0132, SSN [US_SSN:3130cdfa]');
    expect(redactText(text, [])).toBe(text);
    expect(redactText('nothing here')).toBe('nothing here');
  });

  test('unknown types and styles are errors', () => {
    expect(() => redactText(text, ['emails'])).toThrow(/unknown PII type `emails`/);
    expect(() => redactText(text, ['email'], 'blur' as 'mask')).toThrow(/unknown redaction style `blur`/);
  });

  test('pii.redact in an expression; a constant unknown type is a load error', () => {
    expect(compileExpression("pii.redact(t, ['phone'])").evaluate({ t: text })).toBe('Reach jane@example.com or [PHONE], SSN 536-22-8174');
    expect(() => compileExpression("pii.found(request, ['emails'])")).toThrow(PolicyError);
    expect(() => compileExpression("pii.redact('x', ['email'], 'blur')")).toThrow(/unknown redaction style/);
  });
});

describe('the CEL functions', () => {
  test('take a request or a response and read their textOf', () => {
    const request = {
      system: 'be brief',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'I am jane@example.com' },
            { type: 'image', url: 'x' },
          ],
        },
      ],
    };
    const f = compileExpression('pii.detect(request)').evaluate({ request }) as { start: bigint; text: string }[];
    expect(f).toHaveLength(1);
    expect(f[0]!.start).toBe(BigInt('be brief\nI am '.length));
    expect(
      compileExpression("pii.found(response, ['api_key'])").evaluate({ response: { text: 'use sk_live_4eC39HqLyjWDarjtT1zdp7dc' } }),
    ).toBe(true);
    expect(compileExpression('pii.count(request)').evaluate({ request: { messages: [] } })).toBe(0n);
  });

  test('a wrong argument kind is no_matching_overload', () => {
    expect(() => compileExpression('pii.found(x)').evaluate({ x: 42n })).toThrow(/no such overload: `pii.found` does not take \(int\)/);
  });
});

// ---------------------------------------------------------------- properties

/** Words around an entity; `neutral` has none that says a number is an order, an id, ... */
const neutral = fc
  .array(fc.constantFrom('the', 'call', 'me', 'at', 'in', '2024', 'v1.2', 'ok', ',', '.', 'see', 'card', 'IBAN'), { maxLength: 12 })
  .map((w) => w.join(' '));
const prose = fc
  .array(fc.constantFrom('the', 'order', 'call', 'me', 'at', 'in', '2024', 'v1.2', 'ok', ',', '.', 'see', 'card', 'IBAN'), {
    maxLength: 12,
  })
  .map((w) => w.join(' '));

describe('properties', () => {
  test('findings are well-formed for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const f = scanPii(text);
        let last = 0;
        for (const x of f) {
          expect(PII_TYPES).toContain(x.type);
          expect(x.start).toBeGreaterThanOrEqual(last);
          expect(x.end).toBeGreaterThan(x.start);
          expect(x.end).toBeLessThanOrEqual(text.length);
          expect(x.text).toBe(text.slice(x.start, x.end));
          expect(x.score).toBeGreaterThanOrEqual(PII_THRESHOLD);
          expect(x.score).toBeLessThanOrEqual(1);
          last = x.end;
        }
      }),
      { numRuns: 500 },
    );
  });

  test('well-formed on texts made of entity-like pieces', () => {
    const piece = fc.constantFrom(
      '@',
      '.',
      ':',
      '::',
      '-',
      ' ',
      '\n',
      '+1',
      '(0',
      ')',
      '4111',
      '555',
      'sk-',
      'AKIA',
      'eyJ',
      'GB82',
      'password=',
      'born ',
      '-----BEGIN PRIVATE KEY-----',
      '-----END PRIVATE KEY-----',
      'x',
      'Z9',
      'com',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        for (const x of scanPii(text)) expect(x.text).toBe(text.slice(x.start, x.end));
      }),
      { numRuns: 1000 },
    );
  });

  const issuerPrefix = fc.constantFrom(
    ['4', 16],
    ['51', 16],
    ['2221', 16],
    ['34', 15],
    ['6011', 16],
    ['3530', 16],
    ['36', 14],
  ) as fc.Arbitrary<[string, number]>;
  const card = fc
    .tuple(issuerPrefix, fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 18, maxLength: 18 }))
    .map(([[p, len], ds]) => luhnComplete(p + ds.join('').slice(0, len - p.length - 1)));

  test('every valid card number is found, with its exact span', () => {
    fc.assert(
      fc.property(neutral, card, neutral, (a, c, b) => {
        const text = `${a} ${c} ${b}`;
        expect(
          detectPii(text)
            .filter((f) => f.type === 'credit_card')
            .map((f) => f.text),
        ).toEqual([c]);
      }),
    );
  });

  test('a card number with one digit changed is not a card (Luhn catches every single-digit error)', () => {
    fc.assert(
      fc.property(card, fc.nat(), fc.integer({ min: 1, max: 9 }), (c, at, delta) => {
        const i = at % c.length;
        const bad = c.slice(0, i) + ((+c[i]! + delta) % 10) + c.slice(i + 1);
        expect(typesIn(`pay ${bad} now`)).not.toContain('credit_card');
      }),
    );
  });

  const iban = fc
    .tuple(
      fc.constantFrom(['DE', 18], ['GB', 18], ['FR', 23], ['NL', 14], ['ES', 20], ['NO', 11], ['PL', 24]) as fc.Arbitrary<[string, number]>,
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 24, maxLength: 24 }),
    )
    .map(([[cc, len], ds]) => ibanWithCheck(cc, ds.join('').slice(0, len)));

  test('every valid IBAN is found; one changed character is not an IBAN (mod-97)', () => {
    fc.assert(
      fc.property(iban, fc.nat(), fc.integer({ min: 1, max: 9 }), (x, at, delta) => {
        expect(found(`IBAN ${x}.`)).toContainEqual(['iban', x]);
        const i = 4 + (at % (x.length - 4));
        const bad = x.slice(0, i) + ((+x[i]! + delta) % 10) + x.slice(i + 1);
        expect(typesIn(`IBAN ${bad}.`)).not.toContain('iban');
      }),
    );
  });

  test('redacted text has no finding of the redacted types left', () => {
    const entity = fc.constantFrom(
      'jane@example.com',
      '415-555-0132',
      '536-22-8174',
      '4111 1111 1111 1111',
      'GB82 WEST 1234 5698 7654 32',
      '10.1.2.3',
      'AKIAIOSFODNN7EXAMPLE',
      'password=Tr0ub4dor&3',
      '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',
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(prose, entity), { maxLength: 5 }),
        fc.constantFrom('label', 'mask', 'hash') as fc.Arbitrary<'label' | 'mask' | 'hash'>,
        (parts, style) => {
          const text = parts.map(([p, e]) => `${p} ${e}`).join(' ; ');
          const out = redactText(text, undefined, style);
          expect(detectPii(out)).toEqual([]);
        },
      ),
    );
  });
});

// ---------------------------------------------------------------- linear time

describe('linear time on adversarial inputs', () => {
  // Each input is ~200,000 characters built to maximise the work of one scanner; a
  // quadratic scan would take minutes. The bound is loose on purpose: this is not a benchmark.
  const N = 200_000;
  const cases: Record<string, string> = {
    'at signs': 'a@'.repeat(N / 2),
    'local parts': `${'a.'.repeat(N / 2)}@`,
    digits: '1 '.repeat(N / 2),
    'digit groups': '(555) '.repeat(N / 6),
    colons: '1:'.repeat(N / 2),
    keywords: 'pwd='.repeat(N / 4),
    'password values': `password=${'x'.repeat(N)}`,
    'born dates': 'born 1984-03-05 '.repeat(N / 16),
    'PEM headers': '-----BEGIN PRIVATE KEY-----'.repeat(N / 27),
    'PEM bodies': `-----BEGIN PRIVATE KEY-----\n${'QUJD '.repeat(N / 5)}`,
    tokens: 'sk-'.repeat(N / 3),
    jwt: `eyJ${'a.'.repeat(N / 2)}`,
    url: 'a://'.repeat(N / 4),
    'secret assignments': 'token='.repeat(N / 6),
    'upper-case keywords': 'PWD'.repeat(N / 3),
    'curl users': ' -u a:'.repeat(N / 6),
    'licence keywords': 'dl# '.repeat(N / 4),
    'passport keywords': 'passport '.repeat(N / 9),
    'bearer values': `bearer ${'A'.repeat(N)}`,
    'IBAN heads': 'GB82 '.repeat(N / 5),
    'mixed soup': '+1 (0@a.b::sk-eyJ.-----BEGIN x'.repeat(N / 30),
  };
  for (const [name, text] of Object.entries(cases)) {
    test(name, () => {
      // No timing bound: the inputs are sized so that a super-linear scan runs past the test
      // timeout; a linear one finishes in milliseconds.
      expect(Array.isArray(scanPii(text))).toBe(true);
    });
  }
});
