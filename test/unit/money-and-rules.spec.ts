import { addCosts, roundCost } from '../../src/common/decimal.js';
import { providerOf } from '../../src/models/providers.js';

/** Cost rounding and sums (decimal, never float arithmetic) and the provider rules. */

describe('roundCost', () => {
  it.each([
    [1.1736868499999997, '1.1737'], // ccusage's float, as printed: rounds on its decimal digits
    [0.00005, '0.0001'], // half away from zero
    [0.00004999, '0.0000'],
    [2.5e-7, '0.0000'], // printed with an exponent by toString
    [12345.67895, '12345.6790'],
    [0, '0.0000'],
    [-1.23455, '-1.2346'],
    [999999.99995, '1000000.0000'],
  ])('%p -> %s', (value, text) => {
    expect(roundCost(value)).toBe(text);
  });

  it('refuses what is not a finite number', () => {
    expect(() => roundCost(Number.NaN)).toThrow(RangeError);
    expect(() => roundCost(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('addCosts', () => {
  it('adds 4-place decimals exactly where floats would not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(addCosts(['0.1000', '0.2000'])).toBe('0.3000');
    expect(addCosts(Array.from({ length: 10_000 }, () => '0.0001'))).toBe('1.0000');
    expect(addCosts(['1.5', '-2.2500'])).toBe('-0.7500');
    expect(addCosts([])).toBe('0.0000');
    expect(addCosts(['99999999999999.9999', '0.0001'])).toBe('100000000000000.0000');
  });
});

describe('providerOf', () => {
  it.each([
    ['claude-sonnet-4-5-20250929', undefined, 'anthropic'],
    ['claude-zephyr-9-20990101', undefined, 'anthropic'],
    ['gpt-5-codex', undefined, 'openai'],
    ['o3-mini', undefined, 'openai'],
    ['o3', undefined, 'openai'],
    ['gemini-2.5-pro', undefined, 'google'],
    ['grok-4', undefined, 'xai'],
    ['anthropic/claude-opus-4-1', undefined, 'anthropic'], // a gateway's vendor/model
    ['us.anthropic.claude-3-7-sonnet-20250219-v1:0', undefined, 'anthropic'], // Bedrock's vendor.model
    ['qwen3-coder-plus', undefined, 'alibaba'],
    ['my-private-model', 'codex', 'openai'], // the agent settles what the name does not
    ['my-private-model', 'Claude', 'anthropic'],
    ['my-private-model', undefined, 'unknown'],
    ['my-private-model', 'constructor', 'unknown'], // an agent name is data, not a key of Object
    ['o30-turbo', undefined, 'unknown'], // o3 only as a whole name or followed by a dash
  ])('%s (agent %s) is %s', (model, agent, provider) => {
    expect(providerOf(model, agent)).toBe(provider);
  });
});
