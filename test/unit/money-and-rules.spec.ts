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

  it('writes costs from 1e21 on as their decimal text (both toString and toFixed print an exponent there)', () => {
    expect(roundCost(1e21)).toBe('1000000000000000000000.0000');
    expect(roundCost(-2.5e22)).toBe('-25000000000000000000000.0000');
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

describe('roundCost on the decimal digits, not the binary value', () => {
  it.each([
    [2.00005, '2.0001'], // the double is 2.0000499999…; toFixed(4) would say 2.0000
    [1.00005, '1.0001'],
    [0.99995, '1.0000'], // carries into the whole part
    [999999.9999, '999999.9999'], // MAX_COST, the largest a report may carry
    [-0.00004, '0.0000'], // no negative zero
    [-0.0, '0.0000'], // ccusage's empty claude daily prints totalCost -0.0
    [5e-7, '0.0000'],
    [0.12345678901234, '0.1235'],
  ])('%p -> %s', (value, text) => {
    expect(roundCost(value)).toBe(text);
  });

  it('is not toFixed: the case above that tells them apart really does', () => {
    expect((2.00005).toFixed(4)).toBe('2.0000');
  });
});

describe('addCosts on the sums the service makes', () => {
  it('sums negative and positive parts exactly, and keeps 4 places', () => {
    expect(addCosts(['-0.0001', '0.0001'])).toBe('0.0000');
    expect(addCosts(['-0.0001'])).toBe('-0.0001');
    expect(addCosts(['0.5', '0.25', '0.125'])).toBe('0.8750'); // short fractions are padded, not misread
    expect(addCosts(['1', '2'])).toBe('3.0000');
    // The seven days of claude-daily.json, each rounded: one unit more than its totals.totalCost (54.87703632) rounded once.
    expect(addCosts(['1.4112', '2.7916', '6.3433', '2.9202', '14.8224', '12.8936', '13.6948'])).toBe('54.8771');
  });
});

describe('providerOf for every vendor it knows', () => {
  it.each([
    ['mistral-large-2411', 'mistral'],
    ['codestral-2501', 'mistral'],
    ['deepseek-r1:14b', 'deepseek'], // an Ollama tag after the colon
    ['qwq-32b', 'alibaba'],
    ['llama3.1:8b', 'meta'],
    ['meta-llama/Llama-3.3-70B-Instruct', 'meta'],
    ['kimi-k2', 'moonshot'],
    ['glm-4.5', 'zhipu'],
    ['amazon.nova-pro-v1:0', 'amazon'],
    ['gemma-3-27b', 'google'],
    ['vertex_ai/gemini-2.0-flash', 'google'],
    ['grok-code-fast-1', 'xai'],
    ['gpt-oss-120b', 'openai'],
    ['o1', 'openai'],
    ['o4-mini', 'openai'],
    ['azure/o3-mini', 'openai'],
    ['o2', 'unknown'],
    ['CLAUDE-OPUS-4', 'anthropic'], // names are compared without case
    ['sonnet-4', 'anthropic'],
    ['claude-3-5-sonnet@20240620', 'anthropic'], // Vertex's @version
    ['eu.anthropic.claude-3-haiku-20240307-v1:0', 'anthropic'],
    ['openrouter/anthropic/claude-sonnet-4', 'anthropic'],
    ['<synthetic>', 'unknown'],
  ])('%s is %s', (model, provider) => {
    expect(providerOf(model)).toBe(provider);
  });

  it('asks the agent only when the name says nothing, and whatever its case', () => {
    expect(providerOf('gpt-5', 'claude')).toBe('openai');
    expect(providerOf('private', 'CODEX')).toBe('openai');
    expect(providerOf('private', 'gemini')).toBe('google');
    expect(providerOf('private', 'qwen')).toBe('alibaba');
    expect(providerOf('private', '__proto__')).toBe('unknown');
    expect(providerOf('private', 'opencode')).toBe('unknown');
  });
});
