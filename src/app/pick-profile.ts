import type { PickerChoice, PickerQuestion } from '../adapters/prompt/profile-picker.js';
import type { Env } from '../core/paths.js';
import { profileNames } from '../core/profile-map/resolve.js';
import type { ProfileMap, ProfilePlan } from '../core/profile-map/types.js';

export interface PickProfileDeps {
  /** Asks on the terminal; undefined when there is none. */
  readonly search: (question: PickerQuestion) => Promise<string | undefined>;
}

const defaultDeps = (env: Env): PickProfileDeps => ({
  search: async (question) =>
    (await import('../adapters/prompt/profile-picker.js')).searchOnTerminal(question, {
      env,
      need: { what: 'the profile to use', otherwise: 'name the profile on the command line, or set default_profile' },
    }),
});

/**
 * The profile a terminal command (exec, assume, login, whoami) uses when it names none and there is no
 * default_profile: chosen from a searchable list on the terminal. Undefined when there is no terminal to ask on
 * (or no profile to choose from); the caller then fails with the usage error that lists the profiles.
 */
export async function pickProfileName(map: ProfileMap, env: Env, deps: Partial<PickProfileDeps> = {}): Promise<string | undefined> {
  const d = { ...defaultDeps(env), ...deps };
  const plans = profileNames(map).flatMap((name) => map.profiles.get(name) ?? []);
  if (plans.length === 0) return undefined;
  const width = Math.max(...plans.map((p) => p.name.length));
  return d.search({
    message: 'Profile (type to search by name, account or role)',
    choices: (term) => matchProfiles(plans, term).map((plan) => choiceOf(plan, width)),
  });
}

function choiceOf(plan: ProfilePlan, width: number): PickerChoice {
  return { value: plan.name, name: `${plan.name.padEnd(width)}  ${accountOf(plan)}  ${plan.roleName}`, description: plan.roleArn };
}

function accountOf(plan: ProfilePlan): string {
  return plan.accountName ? `${plan.accountName} (${plan.accountId})` : plan.accountId;
}

/**
 * The plans matching every word of `term`, best first: a word may be part of the name (best at its start), of the
 * account (name or id) or of the role (name or ARN), or the letters of the name in order ("pa" → "prod-admin").
 * Ties keep the order of `plans`.
 */
export function matchProfiles(plans: readonly ProfilePlan[], term: string): ProfilePlan[] {
  const words = term.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...plans];
  const scored: { plan: ProfilePlan; score: number; index: number }[] = [];
  plans.forEach((plan, index) => {
    let score = 0;
    for (const word of words) {
      const s = wordScore(plan, word);
      if (s === undefined) return;
      score += s;
    }
    scored.push({ plan, score, index });
  });
  return scored.sort((a, b) => a.score - b.score || a.index - b.index).map((s) => s.plan);
}

function wordScore(plan: ProfilePlan, word: string): number | undefined {
  const name = plan.name.toLowerCase();
  if (name.startsWith(word)) return 0;
  if (name.includes(word)) return 1;
  const others = [plan.accountName, plan.accountId, plan.roleName, plan.roleArn];
  if (others.some((field) => field?.toLowerCase().includes(word))) return 2;
  const gaps = subsequenceGaps(name, word);
  return gaps === undefined ? undefined : 3 + gaps;
}

/** How many letters of `text` are skipped to find the letters of `word` in order; undefined when they are not there. */
function subsequenceGaps(text: string, word: string): number | undefined {
  let at = 0;
  let gaps = 0;
  for (const ch of word) {
    const found = text.indexOf(ch, at);
    if (found < 0) return undefined;
    gaps += found - at;
    at = found + 1;
  }
  return gaps;
}
