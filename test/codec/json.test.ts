import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { utf8Encode } from '../../src/codec/bytes.js';
import { type JsonLimits, readJson, readJsonBytes } from '../../src/codec/json.js';
import { type ErrorCode, isXlinkError } from '../../src/errors.js';

/** The catalogue code `fn` throws; fails when it returns or throws anything but an XlinkError. */
function codeOf(fn: () => unknown): ErrorCode {
  try {
    fn();
  } catch (error) {
    if (isXlinkError(error)) return error.code;
    throw error;
  }
  assert.fail('expected an XlinkError, but the call returned');
}

function assertRefused(text: string, code: ErrorCode, limits?: JsonLimits, message?: RegExp): void {
  assert.throws(
    () => readJson(text, limits),
    (error: unknown) =>
      isXlinkError(error) && error.code === code && (message === undefined || message.test(error.message)),
    `${JSON.stringify(text.slice(0, 60))} should be refused with ${code}`,
  );
}

/** Accepted, and equal to what JSON.parse makes of it (`-0` and `0` told apart). */
function assertAgrees(text: string): void {
  assert.deepStrictEqual(readJson(text), JSON.parse(text), JSON.stringify(text));
}

const nested = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe('readJson agrees with JSON.parse on valid documents', () => {
  it('a hand-written corpus', () => {
    const corpus = [
      '0',
      '-0',
      '-0.0',
      '1',
      '-1',
      '3.141592653589793',
      '1e3',
      '1E+3',
      '1e-3',
      '-1.5e-7',
      '12345678901234567890',
      '9007199254740993',
      '1e-400',
      '1.7976931348623157e308',
      '5e-324',
      'true',
      'false',
      'null',
      '""',
      '"plain"',
      '"\\"\\\\\\/\\b\\f\\n\\r\\t"',
      '"\\u0000\\u001f\\u007f\\u00e9\\u20ac\\uD83D\\uDE00"',
      '"é€😀 raw non-ASCII"',
      '"\u2028\u2029 line separators are fine in JSON"',
      '[]',
      '{}',
      ' \t\r\n[ 1 , 2 ,\n3 ] \t\r\n',
      '[[[]]]',
      '{"a":{"b":{"c":[1,{"d":null}]}}}',
      '{"":""}',
      '{"constructor":1,"toString":2,"hasOwnProperty":3,"prototype":4,"valueOf":5}',
      '{"__proto":1,"proto__":2,"__PROTO__":3}',
      '{"2":"b","1":"a","x":"c"}',
      '{"a":1,"A":2,"a ":3}',
      '[1,"two",true,false,null,{"k":[]},[]]',
    ];
    for (const text of corpus) assertAgrees(text);
  });

  it('a lone surrogate escape is legal JSON and kept, as JSON.parse keeps it', () => {
    assert.equal(readJson('"\\ud800"'), '\ud800');
    assert.equal(readJson('"\\uDC00x"'), '\udc00x');
    assertAgrees('["\\udbff", "\\udfff\\ud800"]');
  });

  it('objects are plain, with own data properties and Object.prototype', () => {
    const value = readJson('{"toString":1,"b":{"c":2}}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(value, 'toString'), {
      value: 1,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    assert.deepEqual(Object.keys(value), ['toString', 'b']);
  });

  it('property: readJson(JSON.stringify(v)) deep-equals JSON.parse of the same text', () => {
    const values = fc
      .jsonValue({ maxDepth: 6, stringUnit: 'binary' })
      .filter((value) => !JSON.stringify(value).includes('"__proto__"'));
    fc.assert(
      fc.property(values, fc.constantFrom(undefined, 2, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        assert.deepStrictEqual(readJson(text), JSON.parse(text));
      }),
      { numRuns: 400 },
    );
  });

  it('property: on mutated documents both parsers accept the same texts and agree, except where xlink is stricter', () => {
    const documents = fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value));
    const mutated = fc
      .tuple(
        documents,
        fc.nat(),
        fc.constantFrom('insert', 'delete', 'replace'),
        fc.constantFrom(...'[]{}",:-+.eE0159 \\u'),
      )
      .map(([text, at, kind, char]) => {
        const i = text.length === 0 ? 0 : at % text.length;
        if (kind === 'insert') return text.slice(0, i) + char + text.slice(i);
        if (kind === 'delete') return text.slice(0, i) + text.slice(i + 1);
        return text.slice(0, i) + char + text.slice(i + 1);
      });
    fc.assert(
      fc.property(mutated, (text) => {
        let expected: unknown;
        let standardOk = true;
        try {
          expected = JSON.parse(text);
        } catch {
          standardOk = false;
        }
        let ours: unknown;
        try {
          ours = readJson(text);
        } catch (error) {
          if (!isXlinkError(error)) throw error;
          if (!standardOk) {
            // Both refuse; ours may name an earlier problem (a duplicate key before a syntax error).
            assert.match(error.code, /^PARSE_FAILED:(JSON|DUPLICATE_KEY|FORBIDDEN_KEY)$/);
            return;
          }
          // JSON.parse accepted it: only the deliberate refusals may differ.
          assert.ok(
            error.code === 'PARSE_FAILED:DUPLICATE_KEY' ||
              error.code === 'PARSE_FAILED:FORBIDDEN_KEY' ||
              /overflows to -?Infinity/.test(error.message),
            `JSON.parse accepts ${JSON.stringify(text)} but readJson refused it: ${error.message}`,
          );
          return;
        }
        assert.ok(standardOk, `readJson accepted ${JSON.stringify(text)}, which JSON.parse refuses`);
        assert.deepStrictEqual(ours, expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('readJson refusals', () => {
  it('syntax errors name the character offset', () => {
    assertRefused('[1, 2 x]', 'PARSE_FAILED:JSON', undefined, /at offset 6$/);
    assertRefused('{"a" 1}', 'PARSE_FAILED:JSON', undefined, /expected ':' after a key, got "1" at offset 5$/);
    assertRefused('', 'PARSE_FAILED:JSON', undefined, /expected a value, got end of input at offset 0$/);
  });

  it('trailing garbage after the value', () => {
    assertRefused('{} x', 'PARSE_FAILED:JSON', undefined, /end of input after the value, got "x" at offset 3/);
    assertRefused('1 2', 'PARSE_FAILED:JSON');
    assertRefused('[]]', 'PARSE_FAILED:JSON');
    assertRefused('nullnull', 'PARSE_FAILED:JSON');
  });

  it('numbers outside the RFC 8259 grammar', () => {
    const cases: [string, RegExp][] = [
      ['01', /leading zero in a number at offset 0/],
      ['-01', /leading zero/],
      ['00', /leading zero/],
      ['-', /a digit after '-', got end of input/],
      ['1.', /a digit after '\.'/],
      ['1.e5', /a digit after '\.'/],
      ['.5', /expected a value, got "\."/],
      ['+1', /expected a value, got "\+"/],
      ['1e', /a digit in the exponent/],
      ['1e+', /a digit in the exponent/],
      ['0x10', /end of input after the value, got "x"/],
      ['NaN', /expected a value, got "N"/],
      ['-NaN', /a digit after '-'/],
      ['Infinity', /expected a value, got "I"/],
      ['-Infinity', /a digit after '-'/],
    ];
    for (const [text, message] of cases) assertRefused(text, 'PARSE_FAILED:JSON', undefined, message);
  });

  it('numbers that overflow to ±Infinity (JSON.parse returns Infinity)', () => {
    for (const text of ['1e400', '-1e400', '1.8e308', `1${'0'.repeat(400)}`]) {
      assert.equal(Math.abs(JSON.parse(text)), Number.POSITIVE_INFINITY);
      assertRefused(text, 'PARSE_FAILED:JSON', undefined, /overflows to -?Infinity at offset 0$/);
    }
    assertRefused('[1, 2e999]', 'PARSE_FAILED:JSON', undefined, /number 2e999 overflows to Infinity at offset 4$/);
  });

  it('unescaped control characters in strings, each of U+0000..U+001F', () => {
    for (let code = 0; code < 0x20; code++) {
      const char = String.fromCharCode(code);
      assertRefused(
        `"a${char}b"`,
        'PARSE_FAILED:JSON',
        undefined,
        /control character U\+00[01][0-9a-f] .* at offset 2$/,
      );
    }
    assertAgrees('"a\u007fb"');
  });

  it('bad escapes and unterminated strings', () => {
    for (const text of ['"\\x41"', '"\\a"', '"\\U0041"', '"\\u12"', '"\\u12G4"', '"\\', '"abc', '"\\"']) {
      assertRefused(text, 'PARSE_FAILED:JSON');
    }
  });

  it('whitespace other than the four RFC 8259 characters', () => {
    for (const space of ['\f', '\v', '\u00a0', '\u2028', '\ufeff', '\u3000'])
      assertRefused(`[1,${space}2]`, 'PARSE_FAILED:JSON');
    assertRefused('\ufeff{}', 'PARSE_FAILED:JSON', undefined, /expected a value, got "\ufeff" at offset 0/);
  });

  it('duplicate keys, compared after unescaping, at any depth', () => {
    assertRefused('{"a":1,"a":2}', 'PARSE_FAILED:DUPLICATE_KEY', undefined, /duplicate key "a" at offset 7/);
    assertRefused('{"a":1,"a":1}', 'PARSE_FAILED:DUPLICATE_KEY');
    assertRefused('{"a":1,"\\u0061":2}', 'PARSE_FAILED:DUPLICATE_KEY');
    assertRefused('{"\\n":1,"\\u000a":2}', 'PARSE_FAILED:DUPLICATE_KEY');
    assertRefused('{"😀":1,"\\ud83d\\ude00":2}', 'PARSE_FAILED:DUPLICATE_KEY');
    assertRefused('{"toString":1,"toString":2}', 'PARSE_FAILED:DUPLICATE_KEY');
    assertRefused('[1,{"x":[{"k":{"a":1,"b":2,"a":3}}]}]', 'PARSE_FAILED:DUPLICATE_KEY');
    // The same key in sibling or nested objects is no duplicate.
    assertAgrees('[{"a":1},{"a":2}]');
    assertAgrees('{"a":{"a":{"a":1}}}');
  });

  it('__proto__ anywhere, also when escaped', () => {
    for (const text of [
      '{"__proto__":1}',
      '{"\\u005f_proto__":1}',
      '{"\\u005f\\u005fproto\\u005f\\u005f":{}}',
      '{"__pr\\u006fto__":null}',
      '{"a":[{"b":{"__proto__":{"polluted":true}}}]}',
      '{"__proto__":1,"__proto__":2}',
    ]) {
      assertRefused(text, 'PARSE_FAILED:FORBIDDEN_KEY');
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // As a value it is only text.
    assertAgrees('["__proto__", {"k":"__proto__"}]');
  });

  it('maxDepth: arrays and objects count, the limit itself is accepted, one more is refused', () => {
    assert.deepEqual(readJson('[[1]]', { maxDepth: 2 }), [[1]]);
    assertRefused('[[1]]', 'PARSE_FAILED:JSON', { maxDepth: 1 }, /nesting deeper than maxDepth=1 at offset 1$/);
    assert.deepEqual(readJson('{"a":[{}]}', { maxDepth: 3 }), { a: [{}] });
    assertRefused('{"a":[{}]}', 'PARSE_FAILED:JSON', { maxDepth: 2 });
    assert.equal(readJson('7', { maxDepth: 0 }), 7);
    assertRefused('[]', 'PARSE_FAILED:JSON', { maxDepth: 0 });
    // The default is 32.
    assert.deepEqual(readJson(nested(32)), JSON.parse(nested(32)));
    assertRefused(nested(33), 'PARSE_FAILED:JSON', undefined, /maxDepth=32 at offset 32$/);
    assert.deepEqual(readJson(nested(1000), { maxDepth: 1000 }), JSON.parse(nested(1000)));
  });

  it('100k-deep input is refused at the limit, quickly, without a RangeError', () => {
    for (const text of ['['.repeat(100_000), '{"a":'.repeat(50_000), nested(100_000)]) {
      const started = performance.now();
      assert.equal(
        codeOf(() => readJson(text, { maxLength: 1_000_000 })),
        'PARSE_FAILED:JSON',
      );
      assert.ok(performance.now() - started < 200, 'the refusal should not walk the whole input');
    }
    // An unbounded limit still cannot overflow the stack: the parser is iterative.
    const deep = nested(200_000);
    assert.equal((readJson(deep, { maxDepth: 200_000, maxLength: deep.length }) as unknown[]).length, 1);
  });

  it('maxLength counts characters and is checked before parsing', () => {
    assert.equal(readJson('"abcd"', { maxLength: 6 }), 'abcd');
    assertRefused('"abcd"', 'PARSE_FAILED:JSON', { maxLength: 5 }, /text of 6 characters exceeds maxLength=5/);
    // Refused for its length although the text is not even JSON.
    assertRefused('x'.repeat(262_145), 'PARSE_FAILED:JSON', undefined, /exceeds maxLength=262144/);
    assert.equal((readJson(`"${'x'.repeat(262_142)}"`) as string).length, 262_142);
  });

  it('bad arguments are INVALID_ARGUMENT, not parse failures', () => {
    assert.equal(
      codeOf(() => readJson(Uint8Array.of(0x31) as unknown as string)),
      'INVALID_ARGUMENT',
    );
    assert.equal(
      codeOf(() => readJson('1', { maxDepth: -1 })),
      'INVALID_ARGUMENT',
    );
    assert.equal(
      codeOf(() => readJson('1', { maxLength: 1.5 })),
      'INVALID_ARGUMENT',
    );
    assert.equal(
      codeOf(() => readJsonBytes('1' as unknown as Uint8Array)),
      'INVALID_ARGUMENT',
    );
  });
});

describe('readJsonBytes', () => {
  it('decodes strict UTF-8, then parses', () => {
    assert.deepEqual(readJsonBytes(utf8Encode('{"é":"😀"}')), { é: '😀' });
  });

  it('refuses a byte order mark', () => {
    const bom = Uint8Array.of(0xef, 0xbb, 0xbf, 0x7b, 0x7d);
    assert.equal(
      codeOf(() => readJsonBytes(bom)),
      'PARSE_FAILED:JSON',
    );
    assert.equal(
      codeOf(() => readJsonBytes(bom.subarray(0, 3))),
      'PARSE_FAILED:JSON',
    );
  });

  it('refuses ill-formed UTF-8 with PARSE_FAILED:UTF8', () => {
    const cases = [
      [0x22, 0xff, 0x22], // invalid lead byte
      [0x22, 0x81, 0x22], // lone continuation byte
      [0x22, 0xc0, 0xaf, 0x22], // overlong '/'
      [0x22, 0xed, 0xa0, 0x80, 0x22], // an encoded surrogate (CESU-8)
      [0x22, 0xe9, 0x22], // truncated sequence
      [0xef, 0xbb, 0x7b, 0x7d], // an incomplete BOM
    ];
    for (const bytes of cases)
      assert.equal(
        codeOf(() => readJsonBytes(Uint8Array.from(bytes))),
        'PARSE_FAILED:UTF8',
      );
  });

  it('maxLength counts decoded characters; inputs beyond 3 bytes per character are refused undecoded', () => {
    const euro = utf8Encode('"€€"'); // 8 bytes, 4 characters
    assert.equal(readJsonBytes(euro, { maxLength: 4 }), '€€');
    assert.equal(
      codeOf(() => readJsonBytes(euro, { maxLength: 3 })),
      'PARSE_FAILED:JSON',
    );
    // 13 bytes > 3 × 4: refused before decoding, so the invalid UTF-8 inside is never reported.
    const long = Uint8Array.of(0x22, 0xff, ...new Array<number>(10).fill(0x61), 0x22);
    assert.throws(
      () => readJsonBytes(long, { maxLength: 4 }),
      (error: unknown) => isXlinkError(error) && error.code === 'PARSE_FAILED:JSON' && /13 bytes/.test(error.message),
    );
  });
});

// JSONTestSuite (nst/JSONTestSuite), typed in: file name without .json, then content.
describe('JSONTestSuite (nst/JSONTestSuite), typed in', () => {
  const accepted: [string, string][] = [
    ['y_array_arraysWithSpaces', '[[]   ]'],
    ['y_array_empty-string', '[""]'],
    ['y_array_empty', '[]'],
    ['y_array_false', '[false]'],
    ['y_array_heterogeneous', '[null, 1, "1", {}]'],
    ['y_array_null', '[null]'],
    ['y_array_with_1_and_newline', '[1\n]'],
    ['y_array_with_leading_space', ' [1]'],
    ['y_array_with_several_null', '[1,null,null,null,2]'],
    ['y_array_with_trailing_space', '[2] '],
    ['y_number', '[123e65]'],
    ['y_number_0e+1', '[0e+1]'],
    ['y_number_0e1', '[0e1]'],
    ['y_number_after_space', '[ 4]'],
    [
      'y_number_double_close_to_zero',
      '[-0.000000000000000000000000000000000000000000000000000000000000000000000000000001]',
    ],
    ['y_number_int_with_exp', '[20e1]'],
    ['y_number_minus_zero', '[-0]'],
    ['y_number_negative_int', '[-123]'],
    ['y_number_negative_one', '[-1]'],
    ['y_number_real_capital_e', '[1E22]'],
    ['y_number_real_capital_e_neg_exp', '[1E-2]'],
    ['y_number_real_capital_e_pos_exp', '[1E+2]'],
    ['y_number_real_exponent', '[123e45]'],
    ['y_number_real_fraction_exponent', '[123.456e78]'],
    ['y_number_real_neg_exp', '[1e-2]'],
    ['y_number_real_pos_exponent', '[1e+2]'],
    ['y_number_simple_int', '[123]'],
    ['y_number_simple_real', '[123.456789]'],
    ['y_object', '{"asd":"sdf", "dfg":"fgh"}'],
    ['y_object_basic', '{"asd":"sdf"}'],
    ['y_object_empty', '{}'],
    ['y_object_empty_key', '{"":0}'],
    ['y_object_escaped_null_in_key', '{"foo\\u0000bar": 42}'],
    ['y_object_extreme_numbers', '{ "min": -1.0e+28, "max": 1.0e+28 }'],
    ['y_object_simple', '{"a":[]}'],
    [
      'y_object_string_unicode',
      '{"title":"\\u041f\\u043e\\u043b\\u0442\\u043e\\u0440\\u0430 \\u0417\\u0435\\u043c\\u043b\\u0435\\u043a\\u043e\\u043f\\u0430" }',
    ],
    ['y_object_with_newlines', '{\n"a": "b"\n}'],
    ['y_string_1_2_3_bytes_UTF-8_sequences', '["\\u0060\\u012a\\u12AB"]'],
    ['y_string_accepted_surrogate_pair', '["\\uD801\\udc37"]'],
    ['y_string_accepted_surrogate_pairs', '["\\ud83d\\ude39\\ud83d\\udc8d"]'],
    ['y_string_allowed_escapes', '["\\"\\\\\\/\\b\\f\\n\\r\\t"]'],
    ['y_string_backslash_and_u_escaped_zero', '["\\\\u0000"]'],
    ['y_string_backslash_doublequotes', '["\\""]'],
    ['y_string_comments', '["a/*b*/c/*d//e"]'],
    ['y_string_double_escape_a', '["\\\\a"]'],
    ['y_string_double_escape_n', '["\\\\n"]'],
    ['y_string_escaped_control_character', '["\\u0012"]'],
    ['y_string_escaped_noncharacter', '["\\uFFFF"]'],
    ['y_string_last_surrogates_1_and_2', '["\\uDBFF\\uDFFF"]'],
    ['y_string_nbsp_uescaped', '["new\\u00A0line"]'],
    ['y_string_nonCharacterInUTF-8_U+FFFF', '["\uffff"]'],
    ['y_string_null_escape', '["\\u0000"]'],
    ['y_string_one-byte-utf-8', '["\\u002c"]'],
    ['y_string_pi', '["π"]'],
    ['y_string_simple_ascii', '["asd "]'],
    ['y_string_space', '" "'],
    ['y_string_u+2028_line_sep', '["\u2028"]'],
    ['y_string_uEscape', '["\\u0061\\u30af\\u30EA\\u30b9"]'],
    ['y_string_unescaped_char_delete', '["\u007f"]'],
    ['y_string_unicode_escaped_double_quote', '["\\u0022"]'],
    ['y_structure_lonely_false', 'false'],
    ['y_structure_lonely_int', '42'],
    ['y_structure_lonely_negative_real', '-0.1'],
    ['y_structure_lonely_null', 'null'],
    ['y_structure_lonely_string', '"asd"'],
    ['y_structure_lonely_true', 'true'],
    ['y_structure_string_empty', '""'],
    ['y_structure_trailing_newline', '["a"]\n'],
    ['y_structure_true_in_array', '[true]'],
    ['y_structure_whitespace_array', ' [] '],
    // i_ (implementation-defined) cases xlink accepts, as JSON.parse does:
    ['i_string_1st_surrogate_but_2nd_missing', '["\\uDADA"]'],
    ['i_string_lone_second_surrogate', '["\\uDFAA"]'],
    ['i_string_incomplete_surrogate_pair', '["\\uDd1ea"]'],
    ['i_number_real_underflow', '[123e-10000000]'],
    ['i_number_very_big_negative_int', '[-237462374673276894279832749832423479823246327846]'],
  ];

  const refused: [string, string][] = [
    ['n_array_1_true_without_comma', '[1 true]'],
    ['n_array_colon_instead_of_comma', '["": 1]'],
    ['n_array_comma_after_close', '[""],'],
    ['n_array_comma_and_number', '[,1]'],
    ['n_array_double_comma', '[1,,2]'],
    ['n_array_double_extra_comma', '["x",,]'],
    ['n_array_extra_close', '["x"]]'],
    ['n_array_extra_comma', '["",]'],
    ['n_array_incomplete', '["x"'],
    ['n_array_incomplete_invalid_value', '[x'],
    ['n_array_inner_array_no_comma', '[3[4]]'],
    ['n_array_just_comma', '[,]'],
    ['n_array_just_minus', '[-]'],
    ['n_array_missing_value', '[   , ""]'],
    ['n_array_newlines_unclosed', '["a",\n4\n,1,'],
    ['n_array_number_and_comma', '[1,]'],
    ['n_array_star_inside', '[*]'],
    ['n_array_unclosed', '[""'],
    ['n_array_unclosed_trailing_comma', '[1,'],
    ['n_incomplete_false', '[fals]'],
    ['n_incomplete_null', '[nul]'],
    ['n_incomplete_true', '[tru]'],
    ['n_number_++', '[++1234]'],
    ['n_number_+1', '[+1]'],
    ['n_number_+Inf', '[+Inf]'],
    ['n_number_-01', '[-01]'],
    ['n_number_-1.0.', '[-1.0.]'],
    ['n_number_-2.', '[-2.]'],
    ['n_number_-NaN', '[-NaN]'],
    ['n_number_.-1', '[.-1]'],
    ['n_number_.2e-3', '[.2e-3]'],
    ['n_number_0.1.2', '[0.1.2]'],
    ['n_number_0.3e+', '[0.3e+]'],
    ['n_number_0.3e', '[0.3e]'],
    ['n_number_0.e1', '[0.e1]'],
    ['n_number_0_capital_E+', '[0E+]'],
    ['n_number_0e', '[0e]'],
    ['n_number_1.0e+', '[1.0e+]'],
    ['n_number_1_000', '[1 000.0]'],
    ['n_number_2.e3', '[2.e3]'],
    ['n_number_9.e+', '[9.e+]'],
    ['n_number_Inf', '[Inf]'],
    ['n_number_NaN', '[NaN]'],
    ['n_number_expression', '[1+2]'],
    ['n_number_hex_1_digit', '[0x1]'],
    ['n_number_hex_2_digits', '[0x42]'],
    ['n_number_infinity', '[Infinity]'],
    ['n_number_minus_infinity', '[-Infinity]'],
    ['n_number_minus_sign_with_trailing_garbage', '[-foo]'],
    ['n_number_minus_space_1', '[- 1]'],
    ['n_number_neg_int_starting_with_zero', '[-012]'],
    ['n_number_neg_real_without_int_part', '[-.123]'],
    ['n_number_real_without_fractional_part', '[1.]'],
    ['n_number_starting_with_dot', '[.123]'],
    ['n_number_with_leading_zero', '[012]'],
    ['n_object_bad_value', '["x", truth]'],
    ['n_object_comma_instead_of_colon', '{"x", null}'],
    ['n_object_double_colon', '{"x"::"b"}'],
    ['n_object_missing_colon', '{"a" b}'],
    ['n_object_missing_key', '{:"b"}'],
    ['n_object_missing_semicolon', '{"a" "b"}'],
    ['n_object_missing_value', '{"a":'],
    ['n_object_no-colon', '{"a"'],
    ['n_object_non_string_key', '{1:1}'],
    ['n_object_single_quote', "{'a':0}"],
    ['n_object_trailing_comma', '{"id":0,}'],
    ['n_object_trailing_comment', '{"a":"b"}/**/'],
    ['n_object_two_commas_in_a_row', '{"a":"b",,"c":"d"}'],
    ['n_object_unquoted_key', '{a: "b"}'],
    ['n_object_with_trailing_garbage', '{"a":"b"}#'],
    ['n_single_space', ' '],
    ['n_string_1_surrogate_then_escape', '["\\uD800\\"]'],
    ['n_string_1_surrogate_then_escape_u', '["\\uD800\\u"]'],
    ['n_string_1_surrogate_then_escape_u1', '["\\uD800\\u1"]'],
    ['n_string_escape_x', '["\\x00"]'],
    ['n_string_escaped_backslash_bad', '["\\\\\\"]'],
    ['n_string_escaped_ctrl_char_tab', '["\\\t"]'],
    ['n_string_incomplete_escape', '["\\"]'],
    ['n_string_incomplete_escaped_character', '["\\u00A"]'],
    ['n_string_incomplete_surrogate', '["\\uD834\\uDd"]'],
    ['n_string_invalid_backslash_esc', '["\\a"]'],
    ['n_string_leading_uescaped_thinspace', '[\\u0020"asd"]'],
    ['n_string_no_quotes_with_bad_escape', '[\\n]'],
    ['n_string_single_doublequote', '"'],
    ['n_string_single_quote', "['single quote']"],
    ['n_string_single_string_no_double_quotes', 'abc'],
    ['n_string_start_escape_unclosed', '["\\'],
    ['n_string_unescaped_ctrl_char', '["a\u0000a"]'],
    ['n_string_unescaped_newline', '["new\nline"]'],
    ['n_string_unescaped_tab', '["\t"]'],
    ['n_string_with_trailing_garbage', '""x'],
    ['n_structure_angle_bracket_.', '<.>'],
    ['n_structure_array_trailing_garbage', '[1]x'],
    ['n_structure_array_with_extra_array_close', '[1]]'],
    ['n_structure_close_unopened_array', '1]'],
    ['n_structure_comma_instead_of_closing_brace', '{"x": true,'],
    ['n_structure_double_array', '[][]'],
    ['n_structure_end_array', ']'],
    ['n_structure_lone-open-bracket', '['],
    ['n_structure_no_data', ''],
    ['n_structure_null-byte-outside-string', '[\u0000]'],
    ['n_structure_number_with_trailing_garbage', '2@'],
    ['n_structure_object_followed_by_closing_object', '{}}'],
    ['n_structure_open_object', '{'],
    ['n_structure_single_star', '*'],
    ['n_structure_trailing_#', '{"a":"b"}#{}'],
    ['n_structure_unclosed_array', '[1'],
    ['n_structure_unicode-identifier', 'å'],
    ['n_structure_whitespace_formfeed', '[\f]'],
    ['n_structure_whitespace_U+2060_word_joiner', '[\u2060]'],
    ['n_structure_100000_opening_arrays', '['.repeat(100_000)],
    ['n_structure_open_array_object', '[{"":'.repeat(50_000)],
    // i_ (implementation-defined) cases xlink refuses although JSON.parse accepts them:
    ['i_number_huge_exp', `[0.4e0066${'9'.repeat(300)}]`],
    ['i_number_real_pos_overflow', '[123123e100000]'],
    ['i_number_real_neg_overflow', '[-123123e100000]'],
    ['i_number_pos_double_huge_exp', '[1.5e+9999]'],
    ['i_number_neg_int_huge_exp', '[-1e+9999]'],
    ['i_structure_500_nested_arrays', `${'['.repeat(500)}${']'.repeat(500)}`],
  ];

  it(`${accepted.length} y_/i_ cases are accepted and agree with JSON.parse`, () => {
    for (const [name, text] of accepted) {
      assert.deepStrictEqual(readJson(text), JSON.parse(text), name);
    }
  });

  it(`${refused.length} n_/i_ cases are refused with PARSE_FAILED:JSON`, () => {
    for (const [name, text] of refused) {
      const code = codeOf(() => readJson(text, { maxLength: 1_000_000 }));
      assert.equal(code, 'PARSE_FAILED:JSON', name);
      // JSON.parse refuses every n_ case too; the i_ cases it accepts are xlink's deliberate strictness.
      if (name.startsWith('n_')) assert.throws(() => JSON.parse(text), SyntaxError, name);
    }
  });

  it('y_object_duplicated_key(_and_value) are valid JSON that xlink deliberately refuses', () => {
    for (const text of ['{"a":"b","a":"c"}', '{"a":"b","a":"b"}']) {
      assert.doesNotThrow(() => JSON.parse(text));
      assertRefused(text, 'PARSE_FAILED:DUPLICATE_KEY');
    }
  });

  it('byte-level cases through readJsonBytes', () => {
    const utf8: [string, number[], ErrorCode | 'ok'][] = [
      ['n_string_invalid_utf8 (i_string_invalid_utf-8)', [0x5b, 0x22, 0xff, 0x22, 0x5d], 'PARSE_FAILED:UTF8'],
      ['i_string_lone_utf8_continuation_byte', [0x5b, 0x22, 0x81, 0x22, 0x5d], 'PARSE_FAILED:UTF8'],
      ['i_string_overlong_sequence_2_bytes', [0x5b, 0x22, 0xc0, 0xaf, 0x22, 0x5d], 'PARSE_FAILED:UTF8'],
      [
        'i_string_UTF-16LE_with_BOM',
        [0xff, 0xfe, 0x5b, 0x00, 0x22, 0x00, 0xe9, 0x00, 0x22, 0x00, 0x5d, 0x00],
        'PARSE_FAILED:UTF8',
      ],
      ['n_structure_incomplete_UTF8_BOM', [0xef, 0xbb, 0x7b, 0x7d], 'PARSE_FAILED:UTF8'],
      ['n_structure_UTF8_BOM_no_data', [0xef, 0xbb, 0xbf], 'PARSE_FAILED:JSON'],
      ['i_structure_UTF-8_BOM_empty_object', [0xef, 0xbb, 0xbf, 0x7b, 0x7d], 'PARSE_FAILED:JSON'],
      ['y_string_utf8', [0x5b, 0x22, 0xe2, 0x82, 0xac, 0xf0, 0x9d, 0x84, 0x9e, 0x22, 0x5d], 'ok'],
    ];
    for (const [name, bytes, expected] of utf8) {
      if (expected === 'ok') assert.deepEqual(readJsonBytes(Uint8Array.from(bytes)), ['€𝄞'], name);
      else
        assert.equal(
          codeOf(() => readJsonBytes(Uint8Array.from(bytes))),
          expected,
          name,
        );
    }
  });
});
