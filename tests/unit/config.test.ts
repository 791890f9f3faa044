import { describe, expect, it } from '@jest/globals';
import { envReader } from '../../src/config.js';

describe('envReader', () => {
  it('names the function and the variable when a required one is missing or blank', () => {
    expect(() => envReader('upload', {}).string('ARTHUR_HOST')).toThrow(
      'upload: environment variable ARTHUR_HOST is required but not set (serverless.yml sets it)',
    );
    expect(() => envReader('upload', { ARTHUR_HOST: '  ' }).string('ARTHUR_HOST')).toThrow(/ARTHUR_HOST is required/);
  });

  it('trims strings, and reads blank optional ones as unset', () => {
    const read = envReader('f', { A: ' x ', B: ' ' });
    expect(read.string('A')).toBe('x');
    expect(read.optionalString('B')).toBeUndefined();
  });

  it.each([
    ['x', 'must be an integer from 1 to 1000, got "x"'],
    ['0', 'must be an integer from 1 to 1000, got "0"'],
    ['1001', 'must be an integer from 1 to 1000, got "1001"'],
    ['2.5', 'must be an integer from 1 to 1000, got "2.5"'],
  ])('refuses %j for a bounded integer, saying the bounds', (value, message) => {
    expect(() => envReader('admin', { N: value }).integer('N', { min: 1, max: 1000 })).toThrow(`admin: environment variable N ${message}`);
  });

  it('reads bounded numbers, with their fallback when unset', () => {
    const read = envReader('router', { T: '2.5' });
    expect(read.number('T', { min: 0 })).toBe(2.5);
    expect(read.number('U', { min: 0, fallback: 60 })).toBe(60);
    expect(() => envReader('router', { T: '-1' }).number('T', { min: 0, unit: 'seconds' })).toThrow('router: environment variable T must be a number of seconds ≥ 0, got "-1"');
  });

  it.each([
    [undefined, false],
    ['true', true],
    ['FALSE', false],
  ])('reads the boolean %j as %j', (value, expected) => {
    expect(envReader('validate', { B: value }).boolean('B', false)).toBe(expected);
  });

  it('refuses a boolean that is neither true nor false', () => {
    expect(() => envReader('validate', { B: 'yes' }).boolean('B', false)).toThrow('validate: environment variable B must be true or false, got "yes"');
  });
});
