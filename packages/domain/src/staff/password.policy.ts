/** What a staff password must be (README, Security: staff sign-in). */
export interface PasswordPolicy {
  /** Fewest characters (Unicode code points). */
  minLength: number;
  /** Most characters: a bound on the work one sign-in costs. */
  maxLength: number;
  /** Fewest of the four character classes (lower-case, upper-case, digit, other) it must mix. */
  minClasses: number;
}

/** The shipped policy: 10–128 characters, at least 3 of the 4 classes. */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 10, maxLength: 128, minClasses: 3 };

/** A reason a password is refused, stable for the UI to show in its own words. */
export type PasswordProblem = 'too_short' | 'too_long' | 'too_few_classes' | 'contains_username' | 'control_character';

/** The character classes a password mixes: a–z, A–Z, 0–9, anything else (punctuation, CJK, …). */
export function characterClasses(password: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(password)).length;
}

/**
 * Why `password` may not be used by `username` (empty = acceptable). The username may not appear in it in any case,
 * and control characters (which no keyboard types into a sign-in form) are refused.
 */
export function passwordProblems(password: string, username: string, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  const length = [...password].length;
  if (length < policy.minLength) problems.push('too_short');
  if (length > policy.maxLength) problems.push('too_long');
  if (characterClasses(password) < policy.minClasses) problems.push('too_few_classes');
  if (username.length > 0 && password.toLowerCase().includes(username.toLowerCase())) problems.push('contains_username');
  if (/[\u0000-\u001f\u007f]/.test(password)) problems.push('control_character');
  return problems;
}
