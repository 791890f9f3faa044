import { describe, expect, it } from '@jest/globals';
import { takeVariadic } from '../../../cli/variadic.js';

describe('takeVariadic', () => {
  it('takes the values after the flag up to the next option, leaving the rest in order', () => {
    expect(takeVariadic(['p/', 'M', '--ground-truth', 'a', 'b', '--json'], '--ground-truth')).toEqual({ rest: ['p/', 'M', '--json'], values: ['a', 'b'] });
  });
  it('adds up a repeated flag, and gives an empty list for a flag with no value', () => {
    expect(takeVariadic(['--ground-truth', 'a', 'x.jsonl', '--ground-truth', 'b'], '--ground-truth')).toEqual({ rest: [], values: ['a', 'x.jsonl', 'b'] });
    expect(takeVariadic(['--ground-truth', '--json'], '--ground-truth')).toEqual({ rest: ['--json'], values: [] });
  });
  it('leaves the arguments alone without the flag', () => {
    expect(takeVariadic(['a', '--b'], '--ground-truth')).toEqual({ rest: ['a', '--b'] });
  });
});
