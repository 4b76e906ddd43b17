/**
 * Which company serves a model, from its name: the one table of rules for the whole service.
 * ccusage reports carry model names only; all-agent reports with --by-agent also say which agent
 * (claude, codex, gemini, …) used the model, which settles names the rules do not know.
 */
export type Provider = 'anthropic' | 'openai' | 'google' | 'xai' | 'mistral' | 'deepseek' | 'alibaba' | 'meta' | 'moonshot' | 'zhipu' | 'amazon' | 'unknown';

const NAME_RULES: ReadonlyArray<readonly [RegExp, Provider]> = [
  [/^(claude|anthropic)|^(opus|sonnet|haiku)-/, 'anthropic'],
  [/^(gpt|chatgpt|o[134](-|$)|codex|davinci|babbage|text-embedding|openai)/, 'openai'],
  [/^(gemini|gemma|palm|bison|google)/, 'google'],
  [/^grok/, 'xai'],
  [/^(mistral|mixtral|codestral|devstral|magistral|ministral|pixtral)/, 'mistral'],
  [/^deepseek/, 'deepseek'],
  [/^(qwen|qwq)/, 'alibaba'],
  [/^(llama|meta-llama)/, 'meta'],
  [/^(kimi|moonshot)/, 'moonshot'],
  [/^(glm|zhipu|chatglm)/, 'zhipu'],
  [/^(nova|titan|amazon)/, 'amazon'],
];

/**
 * Agents whose models all come from one provider. A Map, not an object literal: an agent is
 * whatever the uploaded report says, and `constructor` or `__proto__` must not find Object's own.
 */
const AGENT_PROVIDERS: ReadonlyMap<string, Provider> = new Map([
  ['claude', 'anthropic'],
  ['codex', 'openai'],
  ['gemini', 'google'],
  ['qwen', 'alibaba'],
]);

/**
 * Gateways write `vendor/model` or `vendor.model` (e.g. `anthropic/claude-…`, and Bedrock's
 * `us.anthropic.claude-…-v1:0`): the name itself, each `/` or `:` part, and each part without the
 * prefixes before its dots.
 */
function candidates(model: string): string[] {
  const lower = model.toLowerCase();
  const parts = lower.split(/[/:]/);
  const suffixes = parts.flatMap((part) => part.split('.').map((_, i, pieces) => pieces.slice(i).join('.')));
  return [lower, ...parts, ...suffixes].filter((c) => c.length > 0);
}

export function providerOf(model: string, agentHint?: string): Provider {
  for (const name of candidates(model)) {
    for (const [pattern, provider] of NAME_RULES) if (pattern.test(name)) return provider;
  }
  return (agentHint !== undefined && AGENT_PROVIDERS.get(agentHint.toLowerCase())) || 'unknown';
}
