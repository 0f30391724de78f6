import { describe, expect, it } from 'vitest';
import { maskValue } from '../../../src/formats/mask.js';

describe('maskValue', () => {
  it.each([
    ['123-45-6789', '***-**-6789'],
    ['4111 1111 1111 1111', '**** **** **** 1111'],
    ['john.doe@example.com', '****.***@******e.com'],
    ['(212) 555-0123', '(***) ***-0123'],
    ['1985-03-14', '****-03-14'],
    ["Anne-Marie O'Neil", "****-***** *'Neil"],
    ['王小明大', '王小明大'],
    ['ab', 'ab'],
    ['', ''],
    ['---', '---'],
  ])('masks %j as %j', (rendered, masked) => {
    expect(maskValue(rendered)).toBe(masked);
  });

  it('counts code points, not UTF-16 units', () => {
    expect(maskValue('𠀋𠀋𠀋𠀋𠀋𠀋')).toBe('**𠀋𠀋𠀋𠀋');
    expect(maskValue('😀ab12cd')).toBe('😀**12cd');
  });

  it('treats any Unicode letter or digit as maskable', () => {
    expect(maskValue('Zoë Łukasz')).toBe('*** **kasz');
    expect(maskValue('٠١٢٣٤٥')).toBe('**٢٣٤٥');
  });
});
