import { beforeEach, describe, expect, it, vi } from 'vitest';
import { dateFormat } from '../../../src/formats/date.js';
import { emailFormat } from '../../../src/formats/email.js';
import { passesLuhn } from '../../../src/formats/luhn.js';
import { mrnFormat } from '../../../src/formats/mrn.js';
import { nameFormat } from '../../../src/formats/name.js';
import { panFormat } from '../../../src/formats/pan.js';
import { RESERVED_AREA_CODES, phoneFormat } from '../../../src/formats/phone.js';
import { ssnFormat } from '../../../src/formats/ssn.js';
import { textFormat } from '../../../src/formats/text.js';
import { zipFormat } from '../../../src/formats/zip.js';

// vi.mock is hoisted above the imports, so the formats see the scripted randomInt.

/** Draws the formats will receive from randomInt, in order; once used up, randomInt is random again. */
const scripted = vi.hoisted(() => [] as number[]);

vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return {
    ...crypto,
    randomInt: (max: number) => {
      const next = scripted.shift();
      if (next === undefined) return crypto.randomInt(max);
      if (next >= max) throw new Error(`scripted draw ${next} out of range ${max}`);
      return next;
    },
  };
});

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The randomInt result that randomString turns into `chunk` (its characters as base-62 digits). */
const base62Value = (chunk: string) => [...chunk].reduce((value, char) => value * 62 + base62.indexOf(char), 0);
const letterIndex = (letter: string) => letter.toLowerCase().charCodeAt(0) - 97;

describe('redrawing (scripted randomInt)', () => {
  beforeEach(() => {
    scripted.length = 0;
  });

  it('ssn: redraws the value (an issuable number cannot be drawn at all: tokens are unranked from the never-issued ones)', () => {
    scripted.push(101_000_000, 111_111); // rank 101,000,000 is 999000000, the value itself
    expect(ssnFormat.randomToken('999000000')).toBe('000111111');
    expect(scripted).toEqual([]);
  });

  it('phone: redraws the value', () => {
    const area = RESERVED_AREA_CODES.indexOf('299');
    scripted.push(area, 0, 34, 5678, area, 1, 34, 5678);
    expect(phoneFormat.randomToken('2992345678')).toBe('2993345678');
    expect(scripted).toEqual([]);
  });

  it('date: maps the first and last day of the calendar, and redraws the value', () => {
    scripted.push(0);
    expect(dateFormat.randomToken('2000-01-01')).toBe('0001-01-01');
    scripted.push(3_652_058);
    expect(dateFormat.randomToken('2000-01-01')).toBe('9999-12-31');
    scripted.push(730_178);
    expect(dateFormat.randomToken('2000-01-01')).toBe('2000-02-29');
    scripted.push(0, 1);
    expect(dateFormat.randomToken('0001-01-01')).toBe('0001-01-02');
  });

  it('mrn: redraws tokens spelling TOK_ and the value', () => {
    scripted.push(...[...'TOKZ'].map(letterIndex), ...[...'ABCD'].map(letterIndex));
    scripted.push(...[...'XYZQ'].map(letterIndex));
    expect(mrnFormat.randomToken('ABC_D')).toBe('XYZ_Q');
    expect(scripted).toEqual([]);
  });

  it('pan: redraws numbers passing Luhn (the value among them)', () => {
    const second = '4111111111121111';
    expect(passesLuhn(second)).toBe(false);
    scripted.push(411_111_111_111, Number(second.slice(0, 12)));
    expect(panFormat.randomToken('4111111111111111')).toBe(second);
  });

  it('text, name, email, zip: redraw the value', () => {
    const value = 'tok_0123456789abcdefghijKL';
    const body = value.slice(4);
    scripted.push(base62Value(body.slice(0, 8)), base62Value(body.slice(8, 16)), base62Value(body.slice(16)), 0, 0, 0);
    expect(textFormat.randomToken(value)).toBe(`tok_${'0'.repeat(22)}`);
    scripted.push(0, 1);
    expect(nameFormat.randomToken('a')).toBe('b');
    scripted.push(0, 1, 2, 3);
    expect(emailFormat.randomToken('a@b.invalid')).toBe('c@d.invalid');
    scripted.push(12_345, 54_321);
    expect(zipFormat.randomToken('12345')).toBe('54321');
  });
});
