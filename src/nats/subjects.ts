import { ValidationError } from '../errors.js';

/** A publish's control line (subject, reply, sizes) must fit the server's 4096 bytes; stay well below. */
const MAX_SUBJECT_LENGTH = 1024;

/**
 * Why `subject` is not a usable NATS subject, or `undefined` when it is: dot-separated non-empty
 * tokens without whitespace; `*` (one token) and a final `>` (the rest) only where wildcards
 * are allowed (a stream's subjects, not a published one).
 * @internal
 */
export function subjectProblem(subject: unknown, wildcards: boolean): string | undefined {
  if (typeof subject !== 'string' || subject.length === 0) return 'is not a non-empty string';
  if (subject.length > MAX_SUBJECT_LENGTH) return `is longer than ${MAX_SUBJECT_LENGTH} characters`;
  if (/\s/.test(subject)) return 'contains whitespace';
  const tokens = subject.split('.');
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token.length === 0) return 'has an empty token';
    const wild = token === '*' || (token === '>' && i === tokens.length - 1);
    if (wild && !wildcards) return 'contains a wildcard';
    if (!wild && /[*>]/.test(token)) return `has a misplaced wildcard in "${token}"`;
  }
  return undefined;
}

/** Throws a {@link ValidationError} for `field` when `subject` is not usable. @internal */
export function checkSubject(subject: unknown, field: string, wildcards: boolean): void {
  const problem = subjectProblem(subject, wildcards);
  if (problem !== undefined) {
    throw new ValidationError(
      field,
      'VALIDATION_RANGE',
      `subject ${JSON.stringify(subject)} ${problem}`,
    );
  }
}

/** Whether a literal subject matches a pattern with `*` and `>` wildcards. @internal */
export function subjectMatches(subject: string, pattern: string): boolean {
  const have = subject.split('.');
  const want = pattern.split('.');
  for (let i = 0; i < want.length; i++) {
    const token = want[i];
    if (token === '>') return have.length > i;
    if (i >= have.length || (token !== '*' && token !== have[i])) return false;
  }
  return have.length === want.length;
}
