// Recognising database errors whichever driver raised them (Drizzle wraps driver errors in `cause`).

interface PgErrorLike {
  code?: unknown;
  constraint?: unknown;
  cause?: unknown;
}

function findPgError(err: unknown, code: string): PgErrorLike | null {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const e = current as PgErrorLike;
    if (e.code === code) return e;
    current = e.cause;
  }
  return null;
}

/** A unique constraint or unique index refused the write; pass its name to check which one. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = findPgError(err, '23505');
  if (!e) return false;
  return constraint === undefined || e.constraint === constraint;
}

export class ProfileNameTakenError extends Error {
  override readonly name = 'ProfileNameTakenError';
  constructor(readonly displayName: string) {
    super(`An integration profile named "${displayName}" already exists (names are compared without regard to case)`);
  }
}
